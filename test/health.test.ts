import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { type RunningService, startService } from '../src/main.js';

describe('GET /health', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService(
      loadConfig({ PORT: '0', KBC_URL: 'http://127.0.0.1:9' }),
      createLogger('silent'),
    );
  });
  afterAll(() => service.close());

  it('answers ok without touching Storage', async () => {
    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
