/**
 * The one way config-monitor builds a Lambda function: a {@link NodejsFunction} bundled by esbuild
 * (ESM, nodejs22.x, arm64) from `src/handlers/<name>.lambda.ts`, with its own log group, a role that
 * may only write to that log group until grants add more, and the Powertools environment.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROUTING_FILE_ENV, ROUTING_FILE_NAME } from '../src/config.js';
import { MissingEntryError } from './errors.js';
import { acknowledge } from './nag.js';

/** Repository root: the esbuild project root and the source of `queries/` and `templates/`. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Metric namespace of every custom metric (Powertools `POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'ConfigMonitor';

/** Where the bundling copies `queries/` and `templates/` inside the deployment package. */
export const LAMBDA_TASK_ROOT = '/var/task';
export const BUNDLED_QUERIES_DIR = `${LAMBDA_TASK_ROOT}/queries`;
export const BUNDLED_TEMPLATES_DIR = `${LAMBDA_TASK_ROOT}/templates`;

/** A file name {@link MonitorFunctionProps.bundledFiles} may write: plain, no directory. */
const BUNDLED_FILE_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.json$/;

/** Where synth stages bundled files, under the project root (which local and Docker bundling both see). */
const BUNDLED_FILES_STAGING = join('cdk.out', '.bundled-files');

/**
 * Shell commands that copy each file next to the bundle. The content is staged at synth under
 * `cdk.out/.bundled-files/` (named by its hash) and copied by the bundling: it never passes through
 * a shell command line, which Linux caps at 128 KiB for one argument, and no character of it can
 * reach the shell. The asset's hash covers the output, so a changed file is a new deployment.
 */
export function bundledFileCommands(
  inputDir: string,
  outputDir: string,
  files: Readonly<Record<string, string>>,
  projectRoot: string = REPO_ROOT,
): string[] {
  return Object.entries(files).map(([name, content]) => {
    if (!BUNDLED_FILE_NAME.test(name)) throw new Error(`not a bundled file name: ${JSON.stringify(name)}`);
    const staged = join(
      BUNDLED_FILES_STAGING,
      `${createHash('sha256').update(content).digest('hex').slice(0, 32)}-${name}`,
    );
    mkdirSync(join(projectRoot, BUNDLED_FILES_STAGING), { recursive: true });
    writeFileSync(join(projectRoot, staged), content);
    return `cp "${inputDir}/${staged}" "${outputDir}/${name}"`;
  });
}

/** The Lambda entrypoints the stacks deploy (`src/handlers/<name>.lambda.ts`). */
export type HandlerName =
  | 'consumer'
  | 'notifier'
  | 'firehose-transform'
  | 'api'
  | 'report'
  | 'stream-redrive'
  | 'reconcile';

/** Absolute path of a handler's entry file. */
export function handlerEntry(name: HandlerName): string {
  return join(REPO_ROOT, 'src', 'handlers', `${name}.lambda.ts`);
}

// esbuild turns `require()` of CommonJS dependencies into a shim that throws in ESM output unless
// a real `require` is in scope; the name is unusual so it cannot clash with bundled top-level code.
const REQUIRE_BANNER =
  "import { createRequire as __configMonitorCreateRequire } from 'node:module';" +
  'const require = __configMonitorCreateRequire(import.meta.url);';

export interface MonitorFunctionProps {
  /** Which `src/handlers/<name>.lambda.ts` to bundle. */
  readonly handler: HandlerName;
  /** Shown in the Lambda console. */
  readonly description: string;
  /** `POWERTOOLS_SERVICE_NAME`: the `service` field of logs and the metric dimension. */
  readonly serviceName: string;
  /** Days the function's log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /** Active X-Ray tracing. */
  readonly tracing: boolean;
  /** What happens to the log group when the stack is deleted. */
  readonly logRemovalPolicy: RemovalPolicy;
  /**
   * Handler-specific environment, merged over the Powertools defaults.
   * @default - only the Powertools, QUERIES_DIR and TEMPLATES_DIR variables
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Files written next to the bundle (`/var/task/<name>`): configuration too large for the
   * environment, which Lambda limits to 4 KB in all
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
   * @default - none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * The configuration's validated routing section, bundled as `/var/task/routing.json` and named by
   * `ROUTING_CONFIG_FILE` (src/config.ts `loadRoutingFile` reads it).
   * @default - none: the handler reads no routing (every alert to the default destination)
   */
  readonly routing?: object;
  /**
   * Memory in MB; CPU share grows with it.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Cap on concurrent executions.
   * @default - unreserved (account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * On-failure destination of asynchronous invocations (schedules, EventBridge rules): the queue
   * receives the event with the error, after the retries.
   * @default - none; set it on every function that is invoked asynchronously
   */
  readonly onFailure?: sqs.IQueue;
  /**
   * Retries of a failed asynchronous invocation (0-2).
   * @default 2 (the Lambda default)
   */
  readonly retryAttempts?: number;
}

/**
 * A config-monitor Lambda function. Bundling copies `queries/` and `templates/` next to the bundle
 * and points `QUERIES_DIR` / `TEMPLATES_DIR` at them, so handlers read the same files as locally.
 */
export class MonitorFunction extends NodejsFunction {
  /** The execution role, for grants and acknowledgements scoped to this function. */
  readonly executionRole: iam.Role;
  /** What {@link MonitorFunctionProps.bundledFiles} writes next to the bundle (for assertions). */
  readonly bundledFiles: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: MonitorFunctionProps) {
    const entry = handlerEntry(props.handler);
    const bundledFiles: Readonly<Record<string, string>> = {
      ...props.bundledFiles,
      ...(props.routing ? { [ROUTING_FILE_NAME]: JSON.stringify(props.routing) } : {}),
    };
    if (!existsSync(entry)) throw new MissingEntryError(entry);

    // Created before the function so the role can be scoped to exactly this log group, instead of
    // the AWSLambdaBasicExecutionRole managed policy (logs:* on every log group of the account).
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} Lambda function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      onFailure: props.onFailure ? new destinations.SqsDestination(props.onFailure) : undefined,
      retryAttempts: props.retryAttempts,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        QUERIES_DIR: BUNDLED_QUERIES_DIR,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
        ...(props.routing ? { [ROUTING_FILE_ENV]: `${LAMBDA_TASK_ROOT}/${ROUTING_FILE_NAME}` } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Warnings and errors only: `npm run synth --quiet` should not print five bundle summaries.
        logLevel: LogLevel.WARNING,
        // The SDK v3 clients are bundled rather than taken from the runtime: the versions in
        // package-lock.json are the ones the tests ran against, and tree-shaken ESM stays small.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -R "${inputDir}/queries" "${outputDir}/queries"`,
            `cp -R "${inputDir}/templates" "${outputDir}/templates"`,
            ...bundledFileCommands(inputDir, outputDir, bundledFiles),
          ],
        },
      },
    });
    this.executionRole = role;
    this.bundledFiles = bundledFiles;

    if (props.tracing) {
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) do not support resource-level permissions; test/infra checks that no other action is granted on "*".',
      );
    }
    if (props.onFailure) {
      acknowledge(
        this,
        'Serverless-LambdaDLQ',
        'Failed asynchronous invocations go to an on-failure destination (EventInvokeConfig), which keeps the event together with the error; a legacy DLQ would duplicate it.',
      );
    }
  }
}
