import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagFindings, type Synthesized, synthesize } from './synth.js';

/** Only the required settings: no allow-list, no StackSet, no agents, tracing off, data not retained. */
const MINIMAL = {
  stage: 'min',
  master: { account: '123456789012', region: 'us-east-1' },
  organizationId: 'o-a1b2c3d4e5',
  slack: { alertsWebhookSecretName: 'config-monitor/min/slack' },
  tracing: false,
  retainData: false,
};

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize(MINIMAL);
  template = synth.masterTemplate;
});

describe('master stack from a minimal configuration', () => {
  it('synthesizes the master stack only', () => {
    expect(synth.agents).toHaveLength(0);
    template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
  });

  it('lets every account of the organization put events when there is no allow-list', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
    });
  });

  it('uses one webhook secret for alerts and the report', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('turns tracing off on the functions and the API stage', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: false });
  });

  it('deletes data with the stack when retainData is false', () => {
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });
});
