// Log lines people and collectors can read: ISO timestamps and level names in the JSON lines,
// pretty coloured lines for a terminal, secrets still redacted in both.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createStdoutDestination } from '../src/logger.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('writes JSON lines with an ISO time and the level name', () => {
    const out = sink();
    createLogger('info', createStdoutDestination(false, out.stream)).warn({ token: 'secret-t' }, 'hello');
    const line = JSON.parse(out.lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', msg: 'hello', token: '[redacted]' });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes pretty, coloured lines for a terminal', () => {
    const out = sink();
    createLogger('info', createStdoutDestination(true, out.stream)).info(
      { token: 'secret-t', n: 1 },
      'hello',
    );
    const text = out.lines.join('\n');
    expect(text).not.toMatch(/^\{/);
    expect(text).toContain('INFO');
    expect(text).toContain('hello');
    expect(text).toContain('\u001b[');
    expect(text).not.toContain('secret-t');
  });
});
