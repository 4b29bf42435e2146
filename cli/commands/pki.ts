/**
 * `gridmsg pki init|issue`: a development CA and broker/site/consumer/bridge
 * certificates, PEM for Node clients plus PKCS#12 keystores for ActiveMQ.
 * For demos and tests only; production uses the sites' host certificates.
 */
import type { Argv } from 'yargs';
import { defineCommand, type GlobalOptions, type GridmsgCommand } from '../command.js';
import { IDENTITY_KINDS } from '../../security/pki-layout.js';
import { initCa, issueIdentity } from '../../security/pki.js';

const KEY_TYPES = ['ec', 'rsa', 'ed25519'] as const;

const DEV_WARNING = 'development CA: for demos and tests only, never for production (see docs/security.md)';

type Built<B extends (y: Argv<GlobalOptions>) => Argv<unknown>> = ReturnType<B> extends Argv<infer A> ? A : never;

function initBuilder(y: Argv<GlobalOptions>) {
  return y
    .option('dir', { type: 'string', demandOption: true, describe: 'PKI directory' })
    .option('dn', { type: 'string', describe: 'CA subject DN (/DC=../CN=.. or CN=..,DC=..)' })
    .option('days', { type: 'number', describe: 'validity in days (default 3650)' })
    .option('key-type', { choices: KEY_TYPES, default: 'ec' as const, describe: 'CA key type' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing CA' });
}

const initCommand = defineCommand<Built<typeof initBuilder>>({
  command: 'init',
  describe: 'create a development CA in DIR/ca (NOT for production)',
  builder: initBuilder,
  async run(args, ctx) {
    const ca = await initCa({
      dir: args.dir,
      keyType: args['key-type'],
      force: args.force,
      ...(args.dn === undefined ? {} : { dn: args.dn }),
      ...(args.days === undefined ? {} : { days: args.days }),
    });
    ctx.logger.warn(DEV_WARNING);
    ctx.stdout.write(
      [
        `created development CA ${ca.dn}`,
        `  certificate  ${ca.paths.cert}   (distribute as the trust anchor: caFile)`,
        `  key          ${ca.paths.key}   (0600)`,
        `  valid until  ${ca.notAfter.toISOString()}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});

function issueBuilder(y: Argv<GlobalOptions>) {
  return y
    .option('dir', { type: 'string', demandOption: true, describe: 'PKI directory (made by pki init)' })
    .option('kind', { choices: IDENTITY_KINDS, demandOption: true, describe: 'what the certificate identifies' })
    .option('name', { type: 'string', demandOption: true, describe: 'registry name (broker, site, consumer or bridge)' })
    .option('dn', { type: 'string', describe: 'subject DN (default /DC=org/DC=gridmsg-dev/OU=<kind>s/CN=<name>)' })
    .option('days', { type: 'number', describe: 'validity in days (default 365)' })
    .option('expired', { type: 'boolean', default: false, describe: 'make a certificate that expired yesterday (for tests)' })
    .option('key-type', { choices: KEY_TYPES, default: 'ec' as const, describe: 'key type (ed25519: message signing only)' })
    .option('san', { type: 'string', array: true, describe: 'extra subjectAltName, e.g. DNS:mq.example.org or IP:10.0.0.5 (repeatable)' })
    .option('keystore', { type: 'boolean', default: false, describe: 'also write a PKCS#12 keystore/truststore (always for broker and bridge)' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an identity issued before' });
}

const issueCommand = defineCommand<Built<typeof issueBuilder>>({
  command: 'issue',
  describe: 'issue a broker, site, consumer or bridge certificate from the development CA',
  builder: issueBuilder,
  async run(args, ctx) {
    const issued = await issueIdentity({
      dir: args.dir,
      kind: args.kind,
      name: args.name,
      expired: args.expired,
      keyType: args['key-type'],
      keystore: args.keystore,
      force: args.force,
      ...(args.dn === undefined ? {} : { dn: args.dn }),
      ...(args.days === undefined ? {} : { days: args.days }),
      ...(args.san === undefined ? {} : { san: args.san }),
    });
    ctx.logger.warn(DEV_WARNING);
    const p = issued.paths;
    const lines = [
      `issued ${issued.kind} ${issued.name}: ${issued.dn}`,
      `  valid        ${issued.notBefore.toISOString()} .. ${issued.notAfter.toISOString()}${issued.notAfter < new Date() ? '  (EXPIRED)' : ''}`,
      `  certificate  ${p.cert}`,
      `  key          ${p.key}   (0600)`,
      `  chain        ${p.chain}`,
      `  CA           ${p.ca}`,
    ];
    if (issued.keystore) {
      lines.push(`  keystore     ${p.keystore}   (PKCS12, 0600; password in ${p.keystorePassword})`);
      lines.push(`  truststore   ${p.truststore}   (PKCS12, 0600; password in ${p.truststorePassword})`);
    }
    ctx.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
});

const subcommands: GridmsgCommand<any>[] = [initCommand, issueCommand];

export const pkiCommand = defineCommand({
  command: 'pki',
  describe: 'development CA and certificates for demos and tests (not for production)',
  subcommands,
});
