import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CONFIG_EVENT_PATTERN } from '../../src/domain/event-pattern.js';
import { AgentForwarder } from '../constructs/agent-forwarder.js';

export interface AgentStackProps extends StackProps {
  /** ARN of the master event bus the agent forwards to. */
  readonly masterBusArn: string;
}

/**
 * Deployed to every monitored account and region (directly, or as the template of the master
 * stack's StackSet): forwards AWS Config events to the master bus.
 */
export class AgentStack extends Stack {
  readonly forwarder: AgentForwarder;

  constructor(scope: Construct, id: string, props: AgentStackProps) {
    super(scope, id, {
      description: 'config-monitor agent: forwards AWS Config events to the master event bus',
      ...props,
    });
    this.forwarder = new AgentForwarder(this, 'Forwarder', {
      masterBusArn: props.masterBusArn,
      eventPattern: CONFIG_EVENT_PATTERN,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Events that could not be forwarded for a day; redrive them with aws events put-events',
      value: this.forwarder.deadLetterQueue.queueUrl,
    });
  }
}
