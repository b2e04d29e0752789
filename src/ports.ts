import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';

/** A port some other program holds: says which port, who holds it (when known) and how to move ours. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly variable: string,
    readonly holder: string | null = portHolder(port),
  ) {
    super(`port ${port} (${what}) is already in use${holder ? ` by ${holder}` : ''}; set ${variable} to use another port`);
    this.name = 'PortInUseError';
  }
}

export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Binds and releases the port: the question is whether our listen() would succeed. */
export async function ensurePortFree(port: number, host: string, what: string, variable: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(isAddressInUse(err) ? new PortInUseError(port, what, variable) : err));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * Best effort, Linux only: the process listening on a TCP port, found through the socket's
 * inode in /proc/net/tcp{,6} and the process's open descriptors. Null when unknown (another
 * user's process, another OS).
 */
export function portHolder(port: number): string | null {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // cols[1] = local address:port (hex), cols[3] = state (0A = LISTEN), cols[9] = inode
        if (cols[3] === '0A' && parseInt(cols[1]?.split(':').pop() ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
      }
    }
    if (inodes.size === 0) return null;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) {
          const [program = '?', ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
          const command = [basename(program), ...args].join(' ');
          return `pid ${pid} (${command.length > 100 ? `${command.slice(0, 97)}...` : command})`;
        }
      }
    }
  } catch {
    // No /proc: the holder stays unknown.
  }
  return null;
}
