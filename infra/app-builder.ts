/**
 * Builds the config-monitor stacks into an app from a validated configuration. Used by
 * infra/app.ts (`cdk synth`) and by the infra tests, which pass their own app and configuration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, type Stage } from 'aws-cdk-lib';
import { type MonitorConfig, masterBusArn } from './config.js';
import type { SavedQueryDefinition } from './constructs/analytics.js';
import { addNagPacks } from './nag.js';
import { AgentStack } from './stacks/agent-stack.js';
import { MasterStack } from './stacks/master-stack.js';

export interface BuiltStacks {
  readonly master: MasterStack;
  readonly agents: readonly AgentStack[];
}

/** Stack name of the master stack of a stage. */
export function masterStackName(config: Pick<MonitorConfig, 'stage'>): string {
  return `ConfigMonitor-${config.stage}-Master`;
}

/** Stack name of the agent stack of a stage in one account and region. */
export function agentStackName(
  config: Pick<MonitorConfig, 'stage'>,
  account: string,
  region: string,
): string {
  return `ConfigMonitor-${config.stage}-Agent-${account}-${region}`;
}

/**
 * Synthesizes the agent stack on its own, env-agnostic and without bootstrap references (StackSet
 * instances land in accounts that were never bootstrapped), and returns its template as JSON.
 * The nag packs run on it too: the synth fails on an unacknowledged finding.
 */
export function synthesizeAgentTemplate(config: MonitorConfig): string {
  const outdir = mkdtempSync(join(tmpdir(), 'config-monitor-agent-'));
  try {
    const app = new App({
      outdir,
      analyticsReporting: false,
      context: { 'aws:cdk:enable-path-metadata': false, 'aws:cdk:version-reporting': false },
    });
    const stack = new AgentStack(app, 'Agent', {
      masterBusArn: masterBusArn(config),
      synthesizer: new BootstraplessSynthesizer(),
    });
    addNagPacks(app);
    const template = app.synth().getStackArtifact(stack.artifactId).template as unknown;
    return JSON.stringify(template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Adds the master stack and one agent stack per configured account and region to `scope`. */
export function buildStacks(
  scope: Stage,
  config: MonitorConfig,
  savedQueries: readonly SavedQueryDefinition[],
): BuiltStacks {
  const master = new MasterStack(scope, masterStackName(config), {
    env: { account: config.master.account, region: config.master.region },
    config,
    savedQueries,
    agentTemplateBody: config.stackSet ? synthesizeAgentTemplate(config) : undefined,
  });
  const agents = config.agents.flatMap((agent) =>
    agent.regions.map(
      (region) =>
        new AgentStack(scope, agentStackName(config, agent.account, region), {
          env: { account: agent.account, region },
          masterBusArn: masterBusArn(config),
        }),
    ),
  );
  return { master, agents };
}
