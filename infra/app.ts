/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`). Reads and validates the configuration from CDK
 * context, builds the master and agent stacks, and runs the cdk-nag packs as validation plugins,
 * so `npm run synth` fails on an invalid configuration or an unacknowledged finding. No AWS
 * credentials are needed: every stack has an explicit account and region and nothing is looked up.
 */
import { App } from 'aws-cdk-lib';
import { loadSavedQueries } from '../src/queries/saved-queries.js';
import { buildStacks } from './app-builder.js';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { addNagPacks } from './nag.js';

const app = new App();
try {
  const config = loadConfig(app.node);
  const savedQueries = loadSavedQueries();
  buildStacks(app, config, savedQueries);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
addNagPacks(app);
app.synth();
