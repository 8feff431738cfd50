import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface AgentStackSetProps {
  readonly stackSetName: string;
  /** The agent template (JSON), synthesized without bootstrap references. */
  readonly templateBody: string;
  /** OUs (or the root) whose accounts get the agent, now and when they join later. */
  readonly organizationalUnitIds: readonly string[];
  readonly regions: readonly string[];
  /**
   * The master bus the agents put events on. The StackSet depends on its resource policy
   * (`DependsOn`): EventBridge checks the destination bus policy when an agent's rule target is
   * created, so an agent deployed before the policy exists fails to deploy. The template body holds
   * the bus ARN as a literal, so CloudFormation sees no dependency of its own.
   */
  readonly masterBus: events.EventBus;
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
    const busPolicies = props.masterBus.node.children.filter((c) => c instanceof events.EventBusPolicy);
    if (busPolicies.length === 0) {
      throw new Error(
        `AgentStackSet: the master bus ${props.masterBus.node.path} has no resource policy yet; add it (addToResourcePolicy) before the StackSet, or no agent may put events`,
      );
    }
    this.node.addDependency(...busPolicies);
  }
}
