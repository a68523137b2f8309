// fly.toml against the app it deploys: port, health check, shutdown signal and timeout, and the
// concurrency limits derived from memory, all checked with the values loadConfig gives the [env].
import { readFile } from 'node:fs/promises';
import { parse, type TomlTable, type TomlValue } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { CONFIG_VARIABLES, type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';

const MIB = 1024 * 1024;
/** Node, the SDKs and sockets, rounded up from the ~100 MiB written in fly.toml. */
const BASE_BYTES = 110 * MIB;
/** Fly's ceiling for kill_timeout. */
const FLY_MAX_KILL_TIMEOUT_SECONDS = 300;

function table(value: TomlValue | undefined, name: string): TomlTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
    throw new Error(`fly.toml: ${name} must be a table`);
  }
  return value as TomlTable;
}

function tables(value: TomlValue | undefined, name: string): TomlTable[] {
  if (!Array.isArray(value)) throw new Error(`fly.toml: ${name} must be an array of tables`);
  return value.map((item, i) => table(item, `${name}[${i}]`));
}

/** Fly takes durations as integer seconds or as strings like "15s" / "5m". */
function seconds(value: TomlValue | undefined, name: string): number {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? /^(\d+)(s|m)$/.exec(value) : null;
  if (!match) throw new Error(`fly.toml: ${name} must be a duration, got ${String(value)}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/** [[vm]] memory: "512mb", "1gb", or megabytes as a number (memory_mb); Fly's mb are MiB. */
function vmMemoryBytes(vm: TomlTable): number {
  const value = vm.memory ?? vm.memory_mb;
  if (typeof value === 'number') return value * MIB;
  const match = typeof value === 'string' ? /^(\d+)\s*(mb|gb)$/i.exec(value) : null;
  if (!match) throw new Error(`fly.toml: [[vm]] memory must look like "512mb", got ${String(value)}`);
  return Number(match[1]) * (match[2]?.toLowerCase() === 'gb' ? 1024 : 1) * MIB;
}

describe('fly.toml', () => {
  let fly: TomlTable;
  let env: Record<string, string>;
  let config: Config;
  let service: TomlTable;

  beforeAll(async () => {
    fly = parse(await readFile(new URL('../../fly.toml', import.meta.url), 'utf8'));
    env = {};
    for (const [name, value] of Object.entries(table(fly.env, '[env]'))) {
      if (typeof value !== 'string') throw new Error(`fly.toml: [env] ${name} must be a string`);
      env[name] = value;
    }
    config = loadConfig(env);
    service = table(fly.http_service, '[http_service]');
  });

  it('sets only variables the app reads, and they load in remote mode', () => {
    const unknown = Object.keys(env).filter(
      (name) => !(CONFIG_VARIABLES as readonly string[]).includes(name),
    );
    expect(unknown).toEqual([]);
    expect(config.mode).toBe('remote');
    expect(config.kbcUrl).toMatch(/^https:\/\//);
    expect(config.host).toBe('0.0.0.0');
  });

  it('routes to the port the app listens on, over HTTPS, with machines that start on demand', () => {
    expect(service.internal_port).toBe(config.port);
    expect(service.force_https).toBe(true);
    expect(service.auto_start_machines).toBe(true);
    expect(service.auto_stop_machines).toBe('stop');
    expect(service.min_machines_running).toBeGreaterThanOrEqual(1);
    expect(fly.app).toMatch(/^table-importer-/);
    expect(typeof fly.primary_region).toBe('string');
  });

  it('health-checks GET /health, which the app serves without Storage', async () => {
    const checks = tables(service.checks, '[[http_service.checks]]');
    expect(checks).toHaveLength(1);
    const [check] = checks as [TomlTable];
    expect(check.path).toBe('/health');
    expect(String(check.method).toUpperCase()).toBe('GET');
    expect(table(check.headers, 'checks.headers')['X-Forwarded-Proto']).toBe('https');
    expect(seconds(check.timeout, 'timeout')).toBeLessThan(seconds(check.interval, 'interval'));
    expect(seconds(check.grace_period, 'grace_period')).toBeGreaterThan(0);

    const app = createApp({ logger: createLogger('silent'), metrics: createMetrics() });
    const response = await app.request(check.path as string, {
      method: 'GET',
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('stops with SIGTERM and waits longer than the drain, within Fly’s maximum', () => {
    expect(fly.kill_signal).toBe('SIGTERM');
    const killTimeoutSeconds = seconds(fly.kill_timeout, 'kill_timeout');
    expect(killTimeoutSeconds).toBeGreaterThanOrEqual(config.drainSeconds + 10);
    expect(killTimeoutSeconds).toBeLessThanOrEqual(FLY_MAX_KILL_TIMEOUT_SECONDS);
  });

  it('keeps connections open longer than the app’s own idle limit and job wait', () => {
    const idleTimeoutSeconds = seconds(
      table(service.http_options, '[http_service.http_options]').idle_timeout,
      'idle_timeout',
    );
    expect(idleTimeoutSeconds).toBeGreaterThan(config.idleTimeoutSeconds);
    expect(idleTimeoutSeconds).toBeGreaterThan(config.jobWaitSeconds);
  });

  it('limits concurrent requests to what the VM memory holds, matching the app’s own guard', () => {
    const concurrency = table(service.concurrency, '[http_service.concurrency]');
    expect(concurrency.type).toBe('requests');
    const hardLimit = concurrency.hard_limit;
    const softLimit = concurrency.soft_limit;
    if (typeof hardLimit !== 'number' || typeof softLimit !== 'number') {
      throw new Error('fly.toml: soft_limit and hard_limit must be numbers');
    }
    expect(softLimit).toBeGreaterThan(0);
    expect(softLimit).toBeLessThan(hardLimit);
    expect(hardLimit).toBe(config.maxConcurrentUploads);

    const vms = tables(fly.vm, '[[vm]]');
    expect(vms).toHaveLength(1);
    // Live part buffers plus as much again not yet collected by V8 (measured by npm run bench).
    const perUploadBytes = 2 * config.uploadPartBytes * (config.uploadQueueSize + 1);
    expect(perUploadBytes).toBe(30 * MIB);
    expect(hardLimit * perUploadBytes + BASE_BYTES).toBeLessThanOrEqual(vmMemoryBytes(vms[0] as TomlTable));
  });

  it('exposes /metrics to Fly’s Prometheus on the app port', () => {
    const metrics = table(fly.metrics, '[metrics]');
    expect(metrics.port).toBe(config.port);
    expect(metrics.path).toBe('/metrics');
  });
});
