import type { z } from 'zod';
import type { IpcChannel, IpcParams, IpcResult } from '../shared/ipc';
import type { AppError, Result } from '../shared/result';
import { isIpcChannel } from '../core/contract/invoke-api';
import { AppFailure, err, toAppError } from '../core/result';

/** What one verb call reports: its channel, how long it took, and its error when it failed. */
export interface VerbLogEntry {
  channel: string;
  ms: number;
  error?: AppError;
}

/** Where the host's verbs report (each host injects its own: the console, the CLI's stderr). */
export interface HostLogger {
  /** Every call, with its time. */
  debug(message: string, entry: VerbLogEntry): void;
  /** A call that failed: arguments the schema refused, or an error of the verb itself. */
  warn(message: string, entry: VerbLogEntry): void;
}

/** A logger that drops everything (tests, and hosts that keep no log). */
export const silentLogger: HostLogger = { debug: () => undefined, warn: () => undefined };

/** A logger that writes failures as lines (`loupe: folders:open failed after …`); times only with `debug`. */
export function lineLogger(write: (line: string) => void, options: { debug?: boolean } = {}): HostLogger {
  return {
    debug: (message) => {
      if (options.debug) write(`loupe: ${message}`);
    },
    warn: (message) => write(`loupe: ${message}`),
  };
}

export interface VerbDeps {
  logger: HostLogger;
  /** Milliseconds, monotonic where the host has it (`performance.now`). */
  now: () => number;
}

/** A contract verb as the host runs it: checked arguments in, the value out, failures thrown. */
export type VerbHandler<A extends unknown[], R> = (...args: A) => Promise<R>;

/**
 * A verb before it is bound to its channel: `bind` gives the handler that checks the arguments,
 * runs the verb, times the call and logs a failure under that channel's name.
 */
export interface VerbDef<A extends unknown[], R> {
  readonly bind: (channel: string, deps: VerbDeps) => VerbHandler<A, R>;
}

/** Every verb of the contract, unbound: what the handler modules (src/host/handlers) provide. */
export type HostVerbs = { [C in IpcChannel]: VerbDef<IpcParams<C>, IpcResult<C>> };

/** The verbs of one namespace (`folders`, `jobs`, …): the Pick of the contract one module serves. */
export type NamespaceVerbs<N extends string> = Pick<HostVerbs, Extract<IpcChannel, `${N}:${string}`>>;

/** Every verb of the contract, bound: what Electron's ipcMain and the web host's route call. */
export type IpcHandlers = { [C in IpcChannel]: VerbHandler<IpcParams<C>, IpcResult<C>> };

/**
 * One verb: `schema` checks the argument list (a zod tuple) before `fn` sees it, so a handler
 * never reads an unchecked value; a refusal is INVALID_ARGUMENT with the schema's words. Every
 * call is timed, and a failure is logged with its error; the error itself still goes back to
 * the caller (as a Result, through `invokeHandler`).
 */
export function verb<S extends z.ZodType<unknown[]>, R>(
  schema: S,
  fn: (...args: z.output<S>) => Promise<R>,
): VerbDef<z.output<S>, R> {
  return {
    bind:
      (channel, { logger, now }) =>
      async (...args) => {
        const started = now();
        const elapsed = (): number => Math.round((now() - started) * 10) / 10;
        try {
          const parsed = schema.safeParse(args);
          if (!parsed.success) {
            throw new AppFailure('INVALID_ARGUMENT', describeIssues(parsed.error.issues), {
              issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
            });
          }
          const value = await fn(...parsed.data);
          const ms = elapsed();
          logger.debug(`${channel} ${ms} ms`, { channel, ms });
          return value;
        } catch (e) {
          const error = toAppError(e);
          const ms = elapsed();
          logger.warn(`${channel} failed after ${ms} ms: ${error.code}: ${error.message}`, { channel, ms, error });
          throw e;
        }
      },
  };
}

/** Bind every verb to its channel (timed, logged through `deps.logger`). */
export function bindVerbs(verbs: HostVerbs, deps: VerbDeps): IpcHandlers {
  const bound: Record<string, VerbHandler<never[], unknown>> = {};
  for (const [channel, def] of Object.entries(verbs) as [IpcChannel, VerbDef<never[], unknown>][]) {
    bound[channel] = def.bind(channel, deps);
  }
  return bound as unknown as IpcHandlers;
}

/**
 * Call one verb by channel name with untrusted arguments; always resolves to a Result.
 */
export async function invokeHandler(handlers: IpcHandlers, channel: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isIpcChannel(channel)) return err('INVALID_ARGUMENT', `unknown verb ${JSON.stringify(channel)}`);
  if (!Array.isArray(args)) return err('INVALID_ARGUMENT', 'arguments must be a list');
  try {
    const handler = handlers[channel] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await handler(...args) };
  } catch (e) {
    return { ok: false, error: toAppError(e) };
  }
}

/**
 * The schema's refusals in words. A message about one argument stands alone (the schemas word
 * it: "a folder path is required"); one about a part of an argument says which part.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const [index, ...rest] = issue.path;
      if (index === undefined) return `the arguments do not fit this verb: ${issue.message}`;
      return rest.length ? `${issue.message} (at ${rest.map(String).join('.')})` : issue.message;
    })
    .join('; ');
}
