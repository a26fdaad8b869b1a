// `floe principal create | list | delete | rotate-secret` and `floe keys rotate-signing`: the
// catalog's built-in principals and token signing keys, changed by log entries directly on the
// storage URL (like any replica, so also while replicas serve). The first admin is made this
// way, before or after the first `serve`. A secret is printed once and never again.
import { Command, Option } from 'commander';
import { createPrincipal, deletePrincipal, listPrincipals, PrincipalError, rotatePrincipalSecret, rotateSigningKey, type NewPrincipal } from '../catalog/index.js';
import type { Settings } from '../config/index.js';
import { openObjectStore } from '../objectstore/index.js';
import { CatalogStore, openKeyProvider } from '../store/index.js';
import { fail, settingsFrom, type CommonFlags } from './common.js';
import { checkServeRoot } from './root-check.js';

/** Opens the catalog at the storage URL (creating it in an empty root, as serve would) for one command. */
async function withStore<T>(settings: Settings, work: (store: CatalogStore) => Promise<T>): Promise<T> {
  const url = settings.storage.object_store_url;
  const objects = openObjectStore(url, settings.storage);
  try {
    const verdict = await checkServeRoot(objects, url, settings.storage, false);
    const encryption = openKeyProvider(settings.encryption);
    const store = await CatalogStore.open(objects, { create: verdict.kind === 'new', ...(encryption && { encryption }), gcIntervalMs: 0, pollIntervalMs: 0 });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  } finally {
    await objects.close();
  }
}

/** A refused command (taken name, unknown principal): exit 1 with the reason. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof PrincipalError) {
      process.stderr.write(`floe: ${error.message}\n`);
      process.exit(1);
    }
    fail(error);
  }
}

function printSecret(p: NewPrincipal, json: boolean | undefined, verb: string): void {
  if (json) {
    process.stdout.write(JSON.stringify({ name: p.name, clientId: p.clientId, clientSecret: p.clientSecret, roles: p.roles, credential: `${p.clientId}:${p.clientSecret}` }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    [
      `${verb} principal ${p.name}${p.roles.length ? ` (roles: ${p.roles.join(', ')})` : ''}`,
      `client id:     ${p.clientId}`,
      `client secret: ${p.clientSecret}`,
      `credential:    ${p.clientId}:${p.clientSecret}`,
      'the secret is shown only now: store it in your secret manager (Floe keeps only a hash)',
    ].join('\n') + '\n',
  );
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerPrincipalCommands(program: Command): void {
  const storageOption = () => new Option('--storage <url>', 'catalog storage URL (env FLOE_STORAGE)');
  const configOption = () => new Option('--config <file>', 'TOML configuration file (env FLOE_CONFIG)');
  const settings = (flags: CommonFlags) => settingsFrom(flags, {}, { requireStorage: true });
  const principal = program.command('principal').description("the catalog's built-in principals ([auth] mode builtin): create, list, delete, rotate-secret");

  principal
    .command('create')
    .description('create a principal and print its client id and secret (once)')
    .argument('<name>', 'the principal name')
    .option('--role <role>', 'a role of the principal (repeatable)', collect, [])
    .option('--json', 'print JSON (for scripts)')
    .addOption(storageOption())
    .addOption(configOption())
    .action((name: string, flags: CommonFlags & { role: string[]; json?: boolean }) =>
      run(async () => printSecret(await withStore(settings(flags), (store) => createPrincipal(store, name, flags.role)), flags.json, 'created')),
    );

  principal
    .command('list')
    .description('list the principals (names, client ids, roles; never secrets)')
    .option('--json', 'print JSON')
    .addOption(storageOption())
    .addOption(configOption())
    .action((flags: CommonFlags & { json?: boolean }) =>
      run(async () => {
        const list = await withStore(settings(flags), async (store) => listPrincipals(store.state));
        if (flags.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        if (list.length === 0) return void process.stdout.write('no principals\n');
        for (const p of list) process.stdout.write(`${p.name}\t${p.clientId}\t${p.roles.join(',') || '-'}\t${p.created}\n`);
      }),
    );

  principal
    .command('delete')
    .description('delete a principal: its credentials and tokens stop working')
    .argument('<name>', 'the principal name')
    .addOption(storageOption())
    .addOption(configOption())
    .action((name: string, flags: CommonFlags) =>
      run(async () => {
        await withStore(settings(flags), (store) => deletePrincipal(store, name));
        process.stdout.write(`deleted principal ${name}\n`);
      }),
    );

  principal
    .command('rotate-secret')
    .description('give a principal a new secret (printed once); the old one stops working')
    .argument('<name>', 'the principal name')
    .option('--json', 'print JSON (for scripts)')
    .addOption(storageOption())
    .addOption(configOption())
    .action((name: string, flags: CommonFlags & { json?: boolean }) =>
      run(async () => printSecret(await withStore(settings(flags), (store) => rotatePrincipalSecret(store, name)), flags.json, 'new secret for')),
    );
}

/** `floe keys rotate-signing`, beside the encryption key commands of `floe keys`. */
export function registerSigningKeyCommand(keys: Command): void {
  keys
    .command('rotate-signing')
    .description('add a new token signing key; the old ones keep verifying the tokens they signed until those expire')
    .addOption(new Option('--storage <url>', 'catalog storage URL (env FLOE_STORAGE)'))
    .addOption(new Option('--config <file>', 'TOML configuration file (env FLOE_CONFIG)'))
    .option('--json', 'print JSON')
    .action((flags: CommonFlags & { json?: boolean }) =>
      run(async () => {
        const rotation = await withStore(settingsFrom(flags, {}, { requireStorage: true }), (store) => rotateSigningKey(store));
        if (flags.json) return void process.stdout.write(JSON.stringify(rotation, null, 2) + '\n');
        process.stdout.write(`signing key: ${rotation.kid}\n`);
        for (const r of rotation.retired) process.stdout.write(`retired ${r.kid}: its tokens verify until ${r.notAfter}\n`);
      }),
    );
}
