/**
 * `config-monitor mute add | list | remove | audit`: mutes of the embedded stack's hot store (see
 * src/domain/mute.ts for the rules, src/use-cases/mutes.ts for their end). Through the running `up`
 * when there is one, else on the data directory directly. Every change is in the audit log with the
 * OS user as who.
 */
import { parseInstant } from '../../../src/api/param-rules.js';
import {
  checkMuteId,
  checkMuteRequest,
  checkReason,
  InvalidMuteError,
  type Mute,
  muteEnd,
  muteEndKind,
} from '../../../src/domain/mute.js';
import { type MuteAuditEntry, MuteEndedError, MuteNotFoundError } from '../../../src/ports/mutes.js';
import { addMute, listMutes, removeMute } from '../../../src/use-cases/mutes.js';
import { localActor, withLocalMuteStore } from '../../embedded/mute-store.js';
import { type Command, type CommandIo, dataDirOption, integerOption, parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';

const NAME = 'mute';

const USAGE = `Usage:
  config-monitor mute add --account ID [--region R] [--rule NAME] [--resource ID]
                          --until DATE --reason TEXT [--json] [--data-dir DIR]
  config-monitor mute list [--all] [--json] [--data-dir DIR]
  config-monitor mute remove MUTE_ID [--reason TEXT] [--json] [--data-dir DIR]
  config-monitor mute audit [--id MUTE_ID] [--limit N] [--json] [--data-dir DIR]

Mutes an accepted risk until a date. A muted violation is decided and recorded as usual but not
posted to Slack: the alert notifier holds back, when it delivers, every alert of a pair a mute in
force covers (marked delivered-as-muted in the outbox, counted). When the mute expires or is
removed, each pair it covers that is still non-compliant alerts again, once. The report and the
dashboard show the muted pairs apart, and the score with and without them.

Scope: --account alone covers every region, rule and resource of the account; --region, --rule
and --resource narrow it. A rule matches by base name: "s3-bucket-versioning-enabled" covers its
conformance-pack copies (s3-bucket-versioning-enabled-conformance-pack-<id>).

  add      --until and --reason are required: a mute without an expiry or a reason is refused.
           --until DATE: in the future, at most 366 days ahead; 2024-06-30 (00:00 UTC that day),
           2024-06-30T18:00:00+02:00, or epoch seconds. --reason: one line, at most 500 characters.
  list     the mutes in force; --all adds those that ended (kept 30 days after their expiry).
  remove   ends a mute now (--reason says why, optional).
  audit    the audit log, newest first: who changed which mute, when and why.

Who: the OS user running the command (local:<user>). With a running "config-monitor up" on the
data directory the change goes through it and holds from its next delivery (within a minute).

Options:
  --json          print one JSON object on stdout ({"mute"}, {"mutes"} or {"entries"})
  --data-dir DIR  data directory (default ./.config-monitor)
  -h, --help      this help
`;

const OPTIONS = {
  account: { type: 'string' },
  region: { type: 'string' },
  rule: { type: 'string' },
  resource: { type: 'string' },
  until: { type: 'string' },
  reason: { type: 'string' },
  all: { type: 'boolean' },
  id: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each subcommand takes (the others are usage errors). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  add: ['account', 'region', 'rule', 'resource', 'until', 'reason'],
  list: ['all'],
  remove: ['reason'],
  audit: ['id', 'limit'],
};
const COMMON = new Set(['json', 'data-dir', 'help']);

/** Terminal-safe text: control characters and bidi overrides (a reason is untrusted) shown as `?`. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

/** A domain refusal as a usage error naming the flag (`until must…` → `--until must…`). */
function usage(err: unknown): never {
  if (err instanceof InvalidMuteError) {
    throw new UsageError(err.field === 'id' ? `MUTE_ID${err.message.slice(2)}` : `--${err.message}`, NAME);
  }
  if (err instanceof MuteNotFoundError || err instanceof MuteEndedError) throw new CliError(err.message);
  throw err;
}

export function scopeText(mute: Pick<Mute, 'account' | 'region' | 'rule' | 'resource'>): string {
  return [
    `account ${mute.account}`,
    mute.region ? `region ${mute.region}` : 'every region',
    mute.rule ? `rule ${plain(mute.rule)}` : 'every rule',
    mute.resource ? `resource ${plain(mute.resource)}` : 'every resource',
  ].join(', ');
}

function muteLines(mute: Mute, now: Date): string {
  const end = muteEnd(mute);
  const state = end > now.toISOString() ? `until ${mute.until}` : `${muteEndKind(mute)} ${end}`;
  const removed =
    mute.removedAt && mute.removedAt < mute.until
      ? `\n    removed by ${plain(mute.removedBy ?? 'unknown')}${mute.removalReason ? `: ${plain(mute.removalReason)}` : ''}`
      : '';
  return (
    `${mute.id}  ${state}\n` +
    `    ${scopeText(mute)}\n` +
    `    by ${plain(mute.createdBy)} at ${mute.createdAt}: ${plain(mute.reason)}${removed}\n`
  );
}

function auditLine(entry: MuteAuditEntry): string {
  const applied = entry.applied ? '' : ' (not applied: the change failed midway)';
  return `${entry.at}  ${entry.action.padEnd(6)} ${entry.muteId}  by ${plain(entry.actor)}${entry.reason ? `: ${plain(entry.reason)}` : ''}${applied}\n`;
}

function via(where: { runningPid: number | null }): string {
  return where.runningPid ? ` (through the running config-monitor, pid ${where.runningPid})` : '';
}

export const command: Command = {
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined || !(sub in ALLOWED)) {
      throw new UsageError(
        sub === undefined || sub.startsWith('-')
          ? 'missing subcommand: add, list, remove or audit'
          : `unknown subcommand "${plain(sub).slice(0, 40)}": expected add, list, remove or audit`,
        NAME,
      );
    }
    const { values, positionals } = parseCommandArgs(NAME, rest, OPTIONS, {
      min: sub === 'remove' ? 1 : 0,
      max: sub === 'remove' ? 1 : 0,
    });
    const allowed = new Set(ALLOWED[sub]);
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined && !allowed.has(name) && !COMMON.has(name)) {
        throw new UsageError(`--${name} does not apply to "mute ${sub}"`, NAME);
      }
    }
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    const json = values.json === true;
    switch (sub) {
      case 'add':
        return add(values, dataDir, json, io);
      case 'list':
        return withLocalMuteStore(dataDir, async (store, where) => {
          const now = new Date();
          const mutes = await listMutes(store, { all: values.all === true, now });
          if (json) io.stdout.write(`${JSON.stringify({ mutes })}\n`);
          else if (mutes.length === 0)
            io.stdout.write(`No mutes ${values.all ? 'stored' : 'in force'}${via(where)}\n`);
          else io.stdout.write(mutes.map((mute) => muteLines(mute, now)).join(''));
          return 0;
        });
      case 'remove':
        // Checked before the store is opened: a usage error never waits for dynalite.
        try {
          checkMuteId(positionals[0] as string);
          checkReason(values.reason);
        } catch (err) {
          usage(err);
        }
        return withLocalMuteStore(dataDir, async (store, where) => {
          const mute = await removeMute(
            store,
            positionals[0] as string,
            localActor(),
            values.reason ?? null,
            new Date(),
          ).catch(usage);
          io.stdout.write(
            json
              ? `${JSON.stringify({ mute })}\n`
              : `Removed mute ${mute.id}${via(where)}; its pairs still non-compliant alert again at the next delivery\n`,
          );
          return 0;
        });
      default: {
        const limit = integerOption(NAME, 'limit', values.limit, 100, 1, 10_000);
        return withLocalMuteStore(dataDir, async (store) => {
          const entries = await store.audit({ ...(values.id ? { muteId: values.id } : {}), limit });
          if (json) io.stdout.write(`${JSON.stringify({ entries })}\n`);
          else
            io.stdout.write(
              entries.length === 0 ? 'The audit log is empty\n' : entries.map(auditLine).join(''),
            );
          return 0;
        });
      }
    }
  },
};

async function add(
  values: {
    account?: string;
    region?: string;
    rule?: string;
    resource?: string;
    until?: string;
    reason?: string;
  },
  dataDir: string,
  json: boolean,
  io: CommandIo,
): Promise<number> {
  let untilMs: number | null = null;
  if (values.until !== undefined) {
    untilMs = parseInstant(values.until.trim());
    if (untilMs === null) {
      throw new UsageError(
        `--until must be a date (2024-06-30), a date-time with zone (2024-06-30T18:00:00Z) or epoch seconds; got "${plain(values.until).slice(0, 60)}"`,
        NAME,
      );
    }
  }
  const raw = {
    account: values.account,
    region: values.region,
    rule: values.rule,
    resource: values.resource,
    untilMs,
    untilText: values.until,
    reason: values.reason,
  };
  try {
    checkMuteRequest(raw, new Date()); // before the store is opened; checked again when stored
  } catch (err) {
    usage(err);
  }
  return withLocalMuteStore(dataDir, async (store, where) => {
    const mute = await addMute(store, raw, localActor(), new Date()).catch(usage);
    io.stdout.write(
      json
        ? `${JSON.stringify({ mute })}\n`
        : `Muted ${scopeText(mute)} until ${mute.until}: ${mute.id}${via(where)}\n`,
    );
    return 0;
  });
}
