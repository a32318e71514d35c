/**
 * A command's run-spec flags, generated from the one table (src/app/flags.ts): the commander
 * options with their help and parsers, and the parsed values as a run-spec input.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { flagsOf, specFromFlags, type SpecCommand, type SpecParameter } from '../app/flags.js';
import type { RunSpecInput } from '../app/spec.js';
import { barRef, integer, number, numberOrNone, numbers, pair, pairs, range, topK } from './common.js';

function option(p: SpecParameter): Option {
  const flag = p.flag!;
  if (p.value.kind === 'switch') return new Option(flag, p.help);
  const o = new Option(`${flag} ${p.arg ?? '<value>'}`, p.help);
  switch (p.value.kind) {
    case 'number':
      return o.argParser(number(flag));
    case 'integer': {
      const parse = integer(flag, p.value.min, p.value.max);
      const word = p.value.or;
      if (word === undefined) return o.argParser(parse);
      return o.argParser((v: string) => {
        if (v === word) return v;
        try {
          return parse(v);
        } catch (e) {
          throw new InvalidArgumentError(`${(e as Error).message.replace(/, got/, ` or ${word}, got`)}`);
        }
      });
    }
    case 'pair':
      return o.argParser(pair(flag));
    case 'pairs':
      return o.argParser(pairs(flag));
    case 'numbers':
      return o.argParser(numbers(flag));
    case 'range':
      return o.argParser(range(flag));
    case 'top':
      return o.argParser(topK(flag));
    case 'choice':
    case 'list':
      return o.choices(p.value.choices);
    case 'string':
      return o;
    case 'bar':
      return o.argParser(barRef(flag));
    case 'number-or-none':
      return o.argParser(numberOrNone(flag));
  }
}

/**
 * Adds a command's run-spec flags (none with a default: a default comes from the preset or the
 * config file, never from the flag). `--symbol` and `--pair` exclude each other.
 */
export function addSpecFlags(command: Command, name: SpecCommand, required: readonly string[] = []): Command {
  const params = flagsOf(name);
  for (const p of params) {
    const o = option(p);
    if (p.flag === '--symbol' && params.some((q) => q.flag === '--pair')) o.conflicts('pair');
    if (required.includes(p.flag!)) o.makeOptionMandatory();
    command.addOption(o);
  }
  return command;
}

/** The run-spec flags given on a command line, as a run-spec input (the config file's shape). */
export function specFlags(command: Command, name: SpecCommand): RunSpecInput {
  const opts = command.opts<Record<string, unknown>>();
  const values = new Map<string, unknown>();
  for (const p of flagsOf(name)) {
    const key = new Option(`${p.flag!} <v>`).attributeName();
    if (opts[key] !== undefined) values.set(p.flag!, opts[key]);
  }
  return specFromFlags(values, name) as RunSpecInput;
}
