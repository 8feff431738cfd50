/** `config-monitor doctor`: checks a deployed master stack (see src/adapters/aws/deployment-doctor.ts). */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { formatResults, runDoctor } from '../../../src/adapters/aws/deployment-doctor.js';
import { loadSavedQueries } from '../../../src/queries/saved-queries.js';
import { type Command, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';

const NAME = 'doctor';

export const command: Command = {
  usage: `Usage: config-monitor doctor --stage NAME [--skip-report]

Checks the deployed master stack ConfigMonitor-<stage>-Master with the default AWS credentials
and region, for what no local test can show: the Lambda concurrency quota, that Athena accepts
every saved query with its parameters, that result reuse does not cross parameter values, that a
rollup day can be built twice (invokes the report function twice for yesterday: it posts twice),
and that the bus dead-letter queue is empty. Prints PASS, WARN, FAIL or SKIP per check with the fix;
exits 1 if any check fails. Costs a few cents of Athena.

Options:
  --stage NAME     the stage of the deployment (config.stage)
  --skip-report    do not invoke the report function (that check is SKIP)
  -h, --help       this help
`,

  async run(argv, io) {
    const { values } = parseCommandArgs(NAME, argv, {
      stage: { type: 'string' },
      'skip-report': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    const stage = values.stage;
    if (stage === undefined) throw new UsageError('--stage is required', NAME);
    if (!/^[a-z][a-z0-9]{1,11}$/.test(stage)) {
      throw new UsageError(`--stage must be 2-12 lowercase letters or digits; got "${stage}"`, NAME);
    }
    const clients = {
      cloudFormation: new CloudFormationClient({}),
      lambda: new LambdaClient({}),
      athena: new AthenaClient({}),
      sqs: new SQSClient({}),
    };
    try {
      const results = await runDoctor(clients, {
        stage,
        queries: loadSavedQueries(),
        skipReport: values['skip-report'] === true,
      });
      io.stdout.write(formatResults(results));
      return results.some((r) => r.verdict === 'FAIL') ? 1 : 0;
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }
  },
};
