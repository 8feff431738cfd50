/**
 * Builds the config-monitor app once for a test file: cdk.json's feature flags, bundling skipped
 * (`aws:cdk:bundling-stacks: []`, so esbuild does not run), the saved queries from the registry.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { type BuiltStacks, buildStacks } from '../../infra/app-builder.js';
import { CONFIG_CONTEXT_KEY, type MonitorConfig, parseConfig } from '../../infra/config.js';
import { REPO_ROOT } from '../../infra/lambda-defaults.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';

/** cdk.json as committed (app command and context). */
export const CDK_JSON = JSON.parse(readFileSync(`${REPO_ROOT}/cdk.json`, 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

/**
 * A complete configuration with every optional part on (StackSet, agents, e-mail). The allow-list
 * (`allowedAccounts`) cannot be combined with a StackSet; tests of it leave `stackSet` out.
 */
export function testConfigInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stage: 'test',
    master: { account: '123456789012', region: 'eu-west-1' },
    organizationId: 'o-a1b2c3d4e5',
    agents: [{ account: '210987654321', regions: ['eu-west-1', 'us-east-1'] }],
    stackSet: { organizationalUnitIds: ['ou-ab12-cd34ef56'], regions: ['eu-west-1', 'eu-central-1'] },
    slack: {
      alertsWebhookSecretName: 'config-monitor/test/alerts',
      reportWebhookSecretName: 'config-monitor/test/report',
    },
    alarmEmail: 'oncall@example.com',
    dashboardUrl: 'https://dashboard.example.com',
    ...overrides,
  };
}

export interface Synthesized extends BuiltStacks {
  readonly app: App;
  readonly config: MonitorConfig;
  readonly master: BuiltStacks['master'];
  readonly masterTemplate: Template;
  readonly agentTemplates: readonly Template[];
}

/** Builds and synthesizes every stack once (bundling skipped). */
export function synthesize(input: Record<string, unknown> = testConfigInput()): Synthesized {
  const config = parseConfig(input, 'test configuration');
  const { [CONFIG_CONTEXT_KEY]: _example, ...flags } = CDK_JSON.context;
  const app = new App({ context: { ...flags, 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildStacks(app, config, loadSavedQueries());
  app.synth();
  return {
    ...stacks,
    app,
    config,
    masterTemplate: Template.fromStack(stacks.master),
    agentTemplates: stacks.agents.map((a) => Template.fromStack(a)),
  };
}

/** Unacknowledged findings of both nag packs under `scope`, as `RuleId path` lines. */
export function nagFindings(scope: IConstruct): string[] {
  const lines: string[] = [];
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    for (const violation of pack.validateScope(scope).violations) {
      for (const resource of violation.violatingResources) {
        lines.push(
          `${violation.ruleName} ${resource.constructPath ?? resource.resourceLogicalId}: ${violation.description}`,
        );
      }
    }
  }
  return lines;
}
