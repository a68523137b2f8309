// Starts the proxy floor (bench/proxy-floor-process.ts): a byte-counting sink and a minimal
// copy-into-parts proxy in front of it, each its own process so that each one's CPU can be read.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface ProxyFloor {
  url: string;
  proxyPid: number;
  sinkPid: number;
  stop(): Promise<void>;
}

const SCRIPT = new URL('./proxy-floor-process.ts', import.meta.url).pathname;

async function startChild(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    const match = /ready (\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error(`proxy floor ${args[0]} exited before it was ready`);
}

export async function startProxyFloor(partBytes: number, queueSize: number): Promise<ProxyFloor> {
  const sink = await startChild(['sink']);
  const proxy = await startChild([
    'proxy',
    `http://127.0.0.1:${sink.port}/`,
    String(partBytes),
    String(queueSize),
  ]);
  const children = [proxy.child, sink.child];
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  return {
    url: `http://127.0.0.1:${proxy.port}`,
    proxyPid: proxy.child.pid ?? 0,
    sinkPid: sink.child.pid ?? 0,
    async stop() {
      for (const child of children) {
        if (child.exitCode !== null) continue;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
