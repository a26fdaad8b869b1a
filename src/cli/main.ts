// The `floe` command line: serve, status (and the backup commands). Configuration comes from
// flags > environment > TOML file > defaults; a bad value exits with status 2.
import { Command, CommanderError, Option } from 'commander';
import type { Settings } from '../config/index.js';
import { fail, settingsFrom, type CommonFlags } from './common.js';
import { runServe } from './serve.js';
import { status } from './status.js';
import { encryptionLine, registerKeyCommands } from './keys-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerPrincipalCommands } from './principal-commands.js';
import { FLOE_VERSION as VERSION } from '../util/index.js';

interface ServeFlags {
  warehouse?: string;
  host?: string;
  port?: string;
  adminPort?: string;
  logLevel?: string;
  logFormat?: string;
  init?: boolean;
  authMode?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureAllowAnonymous?: boolean;
}

export function buildProgram(): Command {
  const program = new Command('floe')
    .description('Floe: an Apache Iceberg REST catalog on object storage')
    .version(VERSION, '-v, --version')
    // -V as well: it was the flag before -v, and commander takes one short flag per option
    .addOption(new Option('-V').hideHelp())
    .showHelpAfterError()
    .exitOverride();
  program.on('option:V', () => {
    process.stdout.write(VERSION + '\n');
    throw new CommanderError(0, 'commander.version', VERSION);
  });

  const storageOption = () => new Option('--storage <url>', 'catalog storage URL: memory://, file:///abs/path, s3://bucket/prefix, gs://bucket/prefix, az://container/prefix (env FLOE_STORAGE)');
  const configOption = () => new Option('--config <file>', 'TOML configuration file (env FLOE_CONFIG)');

  program
    .command('serve')
    .description('serve the Iceberg REST catalog')
    .addOption(storageOption())
    .addOption(new Option('--warehouse <url>', 'where table metadata is written (env FLOE_WAREHOUSE)'))
    .addOption(new Option('--host <host>', 'interface to listen on (env FLOE_HOST; default 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'port to listen on (env FLOE_PORT; default 8181)'))
    .addOption(new Option('--admin-port <port>', 'also serve /health, /ready and /metrics on this port (env FLOE_ADMIN_PORT)'))
    .addOption(new Option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (env FLOE_LOG_LEVEL; default info)'))
    .addOption(new Option('--log-format <format>', 'json or pretty (env FLOE_LOG_FORMAT; default pretty on a terminal, json otherwise)'))
    .addOption(configOption())
    .addOption(new Option('--tls-cert <file>', 'PEM certificate (chain): serve HTTPS with --tls-key; re-read on SIGHUP (env FLOE_TLS_CERT)'))
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert (env FLOE_TLS_KEY)'))
    .addOption(new Option('--auth-mode <mode>', 'none, builtin, oidc or builtin,oidc (env FLOE_AUTH_MODE; default none: loopback only)'))
    .option('--insecure-allow-anonymous', 'with auth mode none, serve on a non-loopback address anyway: every client may do everything')
    .option('--init', 'create a new catalog even in a root that holds other objects (never over a catalog)')
    .action(async (flags: CommonFlags & ServeFlags) => {
      let settings: Settings;
      try {
        settings = settingsFrom(flags, {
          warehouse: flags.warehouse,
          host: flags.host,
          port: flags.port,
          admin_port: flags.adminPort,
          log_level: flags.logLevel,
          log_format: flags.logFormat,
          mode: flags.authMode,
          tls_cert: flags.tlsCert,
          tls_key: flags.tlsKey,
          // absent, not false: the environment or the file may still set it
          insecure_allow_anonymous: flags.insecureAllowAnonymous ? true : undefined,
        });
      } catch (error) {
        fail(error);
      }
      try {
        await runServe(settings, { init: flags.init });
      } catch (error) {
        fail(error);
      }
    });

  program
    .command('status')
    .description("print the catalog's identity, head sequence, last checkpoint and entity counts")
    .addOption(storageOption())
    .addOption(configOption())
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      try {
        const report = await status(settingsFrom(flags, {}, { requireStorage: true }));
        if (flags.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          return;
        }
        const c = report.counts;
        process.stdout.write(
          [
            `storage:         ${report.storage}`,
            `catalog id:      ${report.catalogId} (created ${report.createdAt})`,
            ...(report.restoredFrom
              ? [
                  `restored from:   catalog ${report.restoredFrom.catalogId} at seq ${report.restoredFrom.seq} (${report.restoredFrom.restoredAt}); ` +
                    (report.restoredFrom.allowPurge ? 'may delete table files' : 'deletes no table files it did not write unless [catalog] allow_purge_of_restored'),
                ]
              : []),
            `head sequence:   ${report.headSeq}`,
            `last checkpoint: ${report.lastCheckpointSeq === 0 ? 'none' : report.lastCheckpointSeq}`,
            `log chain:       ${report.chain}`,
            `entities:        ${c.namespaces} namespaces, ${c.tables} tables, ${c.views} views, ${c.pendingPurges} pending purges, ${c.idempotencyRecords} idempotency records`,
            encryptionLine(report.encryption),
            `principals:      ${report.principals.count} (signing key ${report.principals.activeSigningKey ?? 'none'}, ${report.principals.retiredSigningKeys} retired)`,
          ].join('\n') + '\n',
        );
      } catch (error) {
        fail(error);
      }
    });

  registerBackupCommands(program);
  registerKeyCommands(program);
  registerPrincipalCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? 0 : 2);
    }
    fail(error);
  }
}
