import { relative } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { alignFrames } from '../data/align.js';
import { readWideCsv } from '../data/readers.js';
import { dynamicHedgeRatio } from '../kalman/hedgeRatio.js';
import { summarisePath } from '../app/summary.js';
import { decimal } from './common.js';
import { bundledData } from './paths.js';

interface DemoOptions {
  data: string;
  y: string;
  x: string;
  delta: number;
  ve: number;
  json?: boolean;
}

const positive = (name: string) => (v: string) => {
  const x = decimal(v);
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`--${name} must be a positive number.`);
  return x;
};

/**
 * `kalrev demo`: the dynamic hedge ratio of a pair (by default EWC on EWA, Chan's Example 3.3)
 * filtered over the bundled prices, summarised. The default command until backtests land.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description("filter a pair's prices with the Kalman dynamic hedge-ratio model and summarise the path")
    .option('--data <file>', 'wide CSV: date,SYM1,SYM2,...', bundledData('ewa_ewc.csv'))
    .option('--y <symbol>', 'dependent leg (one share)', 'EWC')
    .option('--x <symbol>', 'hedge leg (β shares)', 'EWA')
    .addOption(
      new Option('--delta <δ>', 'state drift: state noise δ/(1−δ)·I')
        .default(1e-4)
        .argParser(positive('delta')),
    )
    .addOption(new Option('--ve <Vₑ>', 'observation noise variance').default(1e-3).argParser(positive('ve')))
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: DemoOptions) => {
      const { frame: legs } = alignFrames(
        (await readWideCsv(opts.data, { symbols: [opts.y, opts.x] })).frame,
      );
      const y = legs.get(opts.y);
      const x = legs.get(opts.x);
      const path = dynamicHedgeRatio(y, x, { delta: opts.delta, observationVariance: opts.ve });
      const summary = summarisePath(
        Array.from({ length: legs.length }, (_, i) => legs.date(i)),
        path,
      );
      const file = relative(process.cwd(), opts.data) || opts.data;
      if (opts.json) {
        console.log(
          JSON.stringify(
            { data: file, y: opts.y, x: opts.x, delta: opts.delta, ve: opts.ve, ...summary },
            null,
            2,
          ),
        );
        return;
      }
      const f = (v: number, d = 4) => v.toFixed(d);
      const { beta, alpha, error } = summary;
      console.log(
        `kalrev demo: Kalman dynamic hedge ratio of ${opts.y} on ${opts.x} (Chan 2013, Example 3.3)`,
      );
      console.log(`data   ${file}: ${summary.days} trading days, ${summary.first} … ${summary.last}`);
      console.log(
        `model  state [β, α] random walk, observation row [${opts.x}_t, 1], δ = ${opts.delta}, Vₑ = ${opts.ve}`,
      );
      console.log('');
      console.log(`hedge ratio β   start ${f(beta.start)}  end ${f(beta.end)}  mean ${f(beta.mean)}`);
      console.log(
        `                min ${f(beta.min)} on ${beta.minDate}  max ${f(beta.max)} on ${beta.maxDate}`,
      );
      console.log(`intercept α     start ${f(alpha.start)}  end ${f(alpha.end)}  mean ${f(alpha.mean)}`);
      console.log(`forecast error  std ${f(error.std)}  mean |e|/√Q ${f(error.meanAbsZ, 3)}`);
      console.log(
        `                outside Chan's entry band ±√Q on ${error.beyondOne} days (${f((100 * error.beyondOne) / summary.days, 1)} %)`,
      );
    });
}
