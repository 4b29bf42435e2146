import { execFile } from 'node:child_process';
import { GridmsgError } from '../core/errors.js';

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

const INSTALL_HINT: Record<string, string> = {
  openssl: 'apt-get install -y openssl',
  keytool: 'apt-get install -y openjdk-17-jre-headless (keytool comes with Java)',
};

/**
 * Runs openssl or keytool without a shell. Secrets never go on the command
 * line (they are passed as `file:`/`:file` references); a failure becomes a
 * GridmsgError carrying the tool's own last lines of output.
 */
export function runTool(command: string, args: string[], options: { cwd?: string; input?: Uint8Array } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const errText = stderr.toString('utf8');
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            reject(new GridmsgError('PKI_TOOL_MISSING', `${command} is not installed (${INSTALL_HINT[command] ?? 'install it'})`, { cause: err }));
            return;
          }
          const detail = (errText + stdout.toString('utf8'))
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l !== '' && !l.startsWith('Using configuration from'))
            .slice(-4)
            .join(' | ');
          reject(new GridmsgError('PKI_TOOL_FAILED', `${command} ${args[0] ?? ''} failed: ${detail || err.message}`, { cause: err }));
          return;
        }
        resolve({ stdout, stderr: errText });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
