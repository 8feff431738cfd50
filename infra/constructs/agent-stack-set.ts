import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';

export interface AgentStackSetProps {
  readonly stackSetName: string;
  /** The agent template (JSON), synthesized without bootstrap references. */
  readonly templateBody: string;
  /** OUs (or the root) whose accounts get the agent, now and when they join later. */
  readonly organizationalUnitIds: readonly string[];
  readonly regions: readonly string[];
  /**
   * SELF when the master account is the organization's management account, DELEGATED_ADMIN when
   * it is a delegated administrator for StackSets.
   * @default 'SELF'
   */
  readonly callAs?: 'SELF' | 'DELEGATED_ADMIN';
}

/**
 * A service-managed StackSet of the agent template: AWS Organizations deploys it to every account
 * of the given OUs and regions, and to accounts that join them later (auto-deployment). Stacks are
 * removed from accounts that leave. The management account itself is never a target of a
 * service-managed StackSet; deploy the agent stack there directly if it runs Config rules.
 */
export class AgentStackSet extends Construct {
  readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: AgentStackSetProps) {
    super(scope, id);
    this.stackSet = new cloudformation.CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName,
      description: 'config-monitor agent: forwards AWS Config events to the master bus',
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.callAs ?? 'SELF',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      capabilities: ['CAPABILITY_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 25,
        failureTolerancePercentage: 10,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.organizationalUnitIds] },
          regions: [...props.regions],
        },
      ],
      templateBody: props.templateBody,
    });
  }
}
