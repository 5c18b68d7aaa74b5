/** `loupe`: the command-line host. `main.ts` is the entry; this module only dispatches. */
import { convertCommand, CONVERT_HELP } from './commands/convert';
import { exportCommand, EXPORT_HELP } from './commands/export';
import { inferCommand, INFER_HELP } from './commands/infer';
import { mergeCommand, MERGE_HELP } from './commands/merge';
import { modelsCommand, MODELS_HELP } from './commands/models';
import { predictCommand, PREDICT_HELP } from './commands/predict';
import { serveCommand, SERVE_HELP } from './commands/serve';
import { validateCommand, VALIDATE_HELP } from './commands/validate';
import { UsageError, type CliIo, type CliLocations } from './context';

const HELP = `Loupe — review keypoint predictions and compare restoration models, locally.

Usage: loupe <command> [options]

Commands:
  serve     Serve the app to a browser on 127.0.0.1 (headless servers, SSH tunnels, tests)
  predict   Predict dial keypoints for a folder of photos (resumable; label files per watch ID)
  infer     Run restoration models (MLflow runs, a folder, the bundled ones) over video frames
  merge     Merge the shards of a cluster run (predict/infer --shard) into one run's files
  export    Export PyTorch models (MLflow runs, checkpoints) to ONNX once, checked against torch
  models    List bundled and user models, their inputs/outputs and the provider that runs them
  validate  Check a folder of label files (schema, keypoints, ranges, image references)
  convert   Label files to/from Label Studio, to COCO keypoints and YOLO-pose
  help      Show help for a command (loupe help serve)

Options:
  -h, --help       Show help
  -v, --version    Show the version

The desktop app: npm start. Docs: README.md.
`;

const COMMAND_HELP: Record<string, string> = {
  serve: SERVE_HELP,
  models: MODELS_HELP,
  predict: PREDICT_HELP,
  infer: INFER_HELP,
  merge: MERGE_HELP,
  export: EXPORT_HELP,
  validate: VALIDATE_HELP,
  convert: CONVERT_HELP,
};

/** How a command learns the user wants it to stop (Ctrl+C, SIGTERM). */
export interface CliSignals {
  /** Resolves on the first stop request (serve waits on it). */
  waitForStop(): Promise<void>;
  /** Calls `stop` on a stop request (predict cancels its job). */
  onInterrupt(stop: () => void): void;
}

export async function runCli(argv: string[], io: CliIo, loc: CliLocations, signals: CliSignals): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
        io.out(HELP);
        return 0;
      case '-v':
      case '--version':
        io.out(`${loc.version}\n`);
        return 0;
      case 'help': {
        const topic = rest[0];
        if (topic && !COMMAND_HELP[topic]) throw new UsageError(`no command "${topic}"`);
        io.out(topic ? (COMMAND_HELP[topic] as string) : HELP);
        return 0;
      }
      case 'serve':
        return await serveCommand(rest, io, loc, signals.waitForStop);
      case 'models':
        return await modelsCommand(rest, io, loc);
      case 'predict':
        return await predictCommand(rest, { io, loc, onInterrupt: signals.onInterrupt });
      case 'infer':
        return await inferCommand(rest, { io, loc, onInterrupt: signals.onInterrupt });
      case 'merge':
        return await mergeCommand(rest, io);
      case 'export':
        return await exportCommand(rest, { io, loc, onInterrupt: signals.onInterrupt });
      case 'validate':
        return await validateCommand(rest, io);
      case 'convert':
        return await convertCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`loupe: ${(e as Error).message}\nRun 'loupe --help' for usage.\n`);
      return 2;
    }
    io.err(`loupe: ${(e as Error).message}\n`);
    return 1;
  }
}
