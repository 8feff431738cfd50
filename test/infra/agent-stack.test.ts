import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeAgentTemplate } from '../../infra/app-builder.js';
import { masterBusArn, parseConfig } from '../../infra/config.js';
import { AgentStack } from '../../infra/stacks/agent-stack.js';
import { CONFIG_EVENT_PATTERN } from '../../src/domain/event-pattern.js';
import { nagFindings, testConfigInput } from './synth.js';

const config = parseConfig(testConfigInput());
const BUS_ARN = masterBusArn(config);

let app: App;
let template: Template;

beforeAll(() => {
  app = new App();
  const stack = new AgentStack(app, 'Agent', {
    env: { account: '210987654321', region: 'us-east-1' },
    masterBusArn: BUS_ARN,
  });
  template = Template.fromStack(stack);
});

describe('agent stack', () => {
  it('matches the ONE event pattern on the default bus', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: CONFIG_EVENT_PATTERN,
      EventBusName: Match.absent(),
    });
  });

  it('forwards to the master bus ARN (cross-account, cross-region) with a role, retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: BUS_ARN,
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderPutEventsRole'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderDeadLetterQueue'), 'Arn'] },
          },
        },
      ],
    });
  });

  it('limits the role to events:PutEvents on that one bus, assumed by EventBridge of this account', () => {
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN }] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '210987654321' } },
          }),
        ],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('keeps undeliverable events in an encrypted, TLS-only queue only EventBridge of this rule may write', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: {
              ArnEquals: {
                'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderRule'), 'Arn'] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('alarms on the first event that could not be forwarded', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(app)).toEqual([]);
  });
});

describe('agent template for the StackSet', () => {
  it('is env-agnostic and free of bootstrap references', () => {
    // Act
    const body = JSON.parse(synthesizeAgentTemplate(config));

    // Assess
    expect(body.Parameters).toBeUndefined();
    expect(body.Rules).toBeUndefined();
    const role = Object.values<any>(body.Resources).find((r) => r.Type === 'AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });
});
