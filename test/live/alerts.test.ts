/**
 * Alerts (`--alert webhook:URL`) posted to a local webhook on 127.0.0.1: every fill, risk action,
 * stale feed and halt the journal records arrives as JSON with a Slack/Telegram `text`; failed
 * posts are retried with a doubling back-off on the fake clock and then given up; a webhook that
 * hangs delays no bar; a webhook's token never reaches the log.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AssembledBar } from '../../src/live/assembler.js';
import { alertOf, parseAlertTarget, WebhookAlerts } from '../../src/live/alerts.js';
import { LiveConfigError } from '../../src/live/errors.js';
import { redact } from '../../src/redact.js';
import { wideFrame } from '../backtest/load.js';
import { FakeBroker, FakeClock } from './fakeBroker.js';
import { captureLogger, cleanup, session } from './helpers.js';
import { webhookServer } from './webhookServer.js';

afterAll(cleanup);

const frame = wideFrame('data/ewa_ewc.csv', ['EWC', 'EWA']);
const ewc = frame.get('EWC');
const ewa = frame.get('EWA');
const barAt = (t: number): AssembledBar => ({
  time: frame.times[t],
  close: Float64Array.of(ewc[t], ewa[t]),
  open: null,
  flatten: false,
  receivedAt: frame.times[t],
});
const DAY = 86_400_000;
const run = { state: 'state.db', symbols: ['EWC', 'EWA'] };

describe('webhook alerts', () => {
  it('every fill and risk action the journal holds is posted, in order, with a text line', async () => {
    const hook = await webhookServer();
    const s = session(
      {
        preset: 'kalman-pair',
        symbols: ['EWC', 'EWA'],
        options: { execution: 'close' },
        risk: { maxGrossExposure: 50_000 },
      },
      'stdin',
    );
    const { logger } = captureLogger();
    const alerts = new WebhookAlerts({ targets: [parseAlertTarget(`webhook:${hook.origin}/hook`)], logger });
    alerts.watch(s.runner, run);
    for (let t = 0; t < 120; t++) await s.runner.processBar(barAt(t));
    await alerts.idle();
    const fills = s.journal.fills();
    const cuts = s.journal.events('cut');
    expect(fills.length).toBeGreaterThan(10);
    expect(cuts.length).toBeGreaterThan(0);
    const got = hook.received.map((r) => r.body);
    expect(
      got.filter((b) => b.kind === 'fill').map((b) => [b.detail.clientId, b.detail.shares, b.detail.price]),
    ).toEqual(
      // journaled by bar and leg; posted as journaled
      s.journal
        .fills()
        .sort((a, b) => a.time - b.time || a.leg - b.leg)
        .map((f) => [f.clientId, f.shares, f.price]),
    );
    const risk = got.filter((b) => b.kind === 'risk');
    expect(risk).toHaveLength(cuts.length);
    expect(risk.every((b) => b.detail.reason === 'max-gross-exposure' && b.detail.limit === 50_000)).toBe(
      true,
    );
    expect(risk[0].text).toBe('kalrev EWC/EWA: risk limit: cut (max-gross-exposure)');
    const f0 = fills[0];
    expect(got.find((b) => b.kind === 'fill')!.text).toBe(
      `kalrev EWC/EWA: fill ${f0.symbol} ${f0.shares > 0 ? '+' : ''}${f0.shares.toFixed(4)} @ ${f0.price.toFixed(4)} (order ${f0.clientId})`,
    );
    expect(hook.received.every((r) => r.path === '/hook')).toBe(true);
    expect(alerts.stats).toEqual({ sent: hook.received.length, failed: 0, dropped: 0, queued: 0 });
    s.close();
    await hook.close();
  });

  it('a failed post is retried after 1 s, then 2 s (the fake clock), and delivered once', async () => {
    const clock = new FakeClock(0);
    const hook = await webhookServer({ failFirst: 2, clock: clock.read });
    const { logger } = captureLogger();
    const alerts = new WebhookAlerts({
      targets: [parseAlertTarget(`webhook:${hook.origin}/x`)],
      logger,
      delay: (ms) => clock.elapse(ms),
    });
    alerts.notify(alertOf({ kind: 'kill', reason: 'file KILL', at: 0 }, run)!);
    await alerts.idle();
    expect(hook.received.map((r) => r.at)).toEqual([0, 1000, 3000]);
    expect(hook.received[2].body.text).toBe(
      'kalrev EWC/EWA: kill switch: file KILL; flattening and stopping',
    );
    expect(alerts.stats).toEqual({ sent: 1, failed: 0, dropped: 0, queued: 0 });
    await hook.close();
  });

  it('gives up after its retries, logging the webhook by its origin only: the token never reaches the log', async () => {
    const clock = new FakeClock(0);
    const hook = await webhookServer({ failFirst: Infinity, clock: clock.read });
    const { logger, lines } = captureLogger();
    const token = '123456:SECRET-TOKEN-abcdef';
    const target = parseAlertTarget(`webhook:${hook.origin}/bot${token}/sendMessage?chat_id=4242`);
    expect(target.label).toBe(`${hook.origin}/…`);
    const alerts = new WebhookAlerts({
      targets: [target],
      logger,
      retries: 3,
      delay: (ms) => clock.elapse(ms),
    });
    alerts.notify(alertOf({ kind: 'kill', reason: 'signal SIGUSR2', at: 0 }, run)!);
    await alerts.idle();
    expect(hook.received.map((r) => r.at)).toEqual([0, 1000, 3000, 7000]);
    expect(hook.received[0].path).toBe(`/bot${token}/sendMessage?chat_id=4242`);
    expect(alerts.stats).toEqual({ sent: 0, failed: 1, dropped: 0, queued: 0 });
    const failed = lines.filter((l) => l.event === 'alert-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ webhook: `${hook.origin}/…`, attempts: 4, reason: 'HTTP 500' });
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
    // anything printed through redact() is masked too
    expect(redact(`posting to ${hook.origin}/bot${token}/sendMessage`)).toBe(
      `posting to ${hook.origin}/***/sendMessage`,
    );
    // Slack's: the workspace, channel and key segments, not the word "services"
    parseAlertTarget('webhook:https://hooks.slack.com/services/T0A1B2C3D/B0E1F2G3H/aBcDeFgHiJkLmNoPqRsTuVwX');
    expect(
      redact('https://hooks.slack.com/services/T0A1B2C3D/B0E1F2G3H/aBcDeFgHiJkLmNoPqRsTuVwX failed'),
    ).toBe('https://hooks.slack.com/services/***/***/*** failed');
    await hook.close();
  });

  it('a webhook that never answers delays no bar: the runner journals every bar while the first post hangs', async () => {
    const hook = await webhookServer({ hang: true });
    const s = session(
      { preset: 'kalman-pair', symbols: ['EWC', 'EWA'], options: { execution: 'close' } },
      'stdin',
    );
    const { logger } = captureLogger();
    const alerts = new WebhookAlerts({ targets: [parseAlertTarget(`webhook:${hook.origin}/slow`)], logger });
    alerts.watch(s.runner, run);
    let t = 0;
    // trade until the first alert is on its way and held by the webhook
    for (; hook.held === 0 || t < 20; t++) {
      await s.runner.processBar(barAt(t));
      if (alerts.stats.queued > 0) await hook.arrived(1);
    }
    const queuedBefore = alerts.stats.queued;
    for (let k = 0; k < 200; k++, t++) await s.runner.processBar(barAt(t));
    // every bar journaled, the webhook still holding its one post, the rest queued behind it
    expect(s.journal.count('bars')).toBe(t);
    expect(hook.held).toBe(1);
    expect(hook.received).toHaveLength(1);
    expect(alerts.stats.queued).toBeGreaterThan(queuedBefore);
    const fills = s.journal.count('fills');
    hook.release();
    await alerts.idle();
    expect(hook.received.filter((r) => r.body.kind === 'fill')).toHaveLength(fills);
    expect(alerts.stats).toMatchObject({ sent: fills, failed: 0, queued: 0 });
    s.close();
    await hook.close();
  });

  it('a full queue drops its oldest alerts, counted and logged once', async () => {
    const hook = await webhookServer({ hang: true });
    const { logger, lines } = captureLogger();
    const alerts = new WebhookAlerts({
      targets: [parseAlertTarget(`webhook:${hook.origin}/q`)],
      logger,
      maxQueue: 3,
    });
    for (let k = 0; k < 10; k++) alerts.notify(alertOf({ kind: 'kill', reason: `k${k}`, at: 0 }, run)!);
    await hook.arrived(1);
    // the first is on its way; of the nine behind it the last three wait, six were dropped
    expect(alerts.stats).toEqual({ sent: 0, failed: 0, dropped: 6, queued: 4 });
    hook.release();
    await alerts.idle();
    expect(hook.received.map((r) => r.body.detail.reason)).toEqual(['k0', 'k7', 'k8', 'k9']);
    expect(alerts.stats).toEqual({ sent: 4, failed: 0, dropped: 6, queued: 0 });
    expect(lines.filter((l) => l.event === 'alert-dropped')).toHaveLength(1);
    await hook.close();
  });

  it('a stale feed and a halt are alerts', async () => {
    const hook = await webhookServer();
    const clock = new FakeClock(frame.times[0]);
    const fake = new FakeBroker({ clock });
    const s = session(
      {
        preset: 'kalman-pair',
        symbols: ['EWC', 'EWA'],
        options: { execution: 'close' },
        risk: { staleAfterMs: 60_000 },
      },
      'stdin',
      { broker: () => fake, clock: clock.read },
    );
    const { logger } = captureLogger();
    const alerts = new WebhookAlerts({ targets: [parseAlertTarget(`webhook:${hook.origin}/a`)], logger });
    alerts.watch(s.runner, run);
    let t = 0;
    for (; t < 60; t++) {
      await s.runner.processBar(barAt(t));
      await clock.elapse(DAY);
    }
    // a day without a bar is more than the one-minute limit
    expect(s.runner.checkStale()).toBe(true);
    fake.tamper('EWC', 25);
    await expect(s.runner.processBar(barAt(t))).rejects.toThrow(/halted/);
    await alerts.idle();
    const stale = hook.received.filter((r) => r.body.kind === 'feed-stale');
    expect(stale).toHaveLength(1);
    expect(stale[0].body.detail).toEqual({ silentMs: DAY, limitMs: 60_000 });
    const halt = hook.received.filter((r) => r.body.kind === 'halt');
    expect(halt).toHaveLength(1);
    const before = s.journal.positions().get('EWC') ?? 0;
    expect(halt[0].body.detail.positions).toEqual([{ symbol: 'EWC', journal: before, broker: before + 25 }]);
    expect(halt[0].body.text).toContain(
      `HALTED: the broker disagrees with the journal (EWC broker ${before + 25} vs journal ${before})`,
    );
    s.close();
    await hook.close();
  });

  it('refuses an alert target that is not webhook:http(s)://…, naming --alert', () => {
    const bad = (spec: string) => {
      try {
        parseAlertTarget(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(LiveConfigError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${spec}`);
    };
    // a mistyped target is not echoed: its URL is its credential
    expect(bad('slack:https://hooks.slack.com/services/T0/B0/XYZ')).toBe(
      '--alert: expected webhook:URL, got "slack:…"',
    );
    expect(bad('webhook:ftp://example.com/x')).toBe('--alert: a webhook is an http: or https: URL, got ftp:');
    expect(bad('webhook:not a url')).toBe('--alert: webhook:URL: what follows "webhook:" is not a URL');
  });
});
