/**
 * The built-in catalog of AWS managed Config rules: for each rule, keyed by its default name (the
 * name a rule deployed directly carries, and the base of a conformance pack's
 * `<name>-conformance-pack-<suffix>`), its source identifier, AWS's one-sentence description, a
 * default severity and the AWS documentation page that says how to fix it.
 *
 * Where it comes from. Names, identifiers, descriptions (the first sentence of each rule's page)
 * and resource types are AWS's own, from its list of AWS Config managed rules
 * (https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html, as
 * published in the awsdocs/aws-config-developer-guide repository, Apache-2.0, 2023-04-21 revision).
 * The 210 rules are the ones used most: those that at least 6 of the 122 sample conformance packs of
 * awslabs/aws-config-rules (aws-config-conformance-packs/) deploy, plus the rules the demo
 * organization generator deploys and the CloudFront HTTPS/WAF and SNS delivery-status rules.
 * `resourceTypes` is what the rule's page lists; it is absent where the page lists none (most
 * periodic rules, which evaluate the account or look resources up themselves).
 *
 * Severity policy (the default; a deployment overrides it per base rule name):
 * - CRITICAL: exposure anyone can use now. Root user credentials (no MFA, an access key), credentials
 *   in plain sight (CodeBuild environment variables, source URLs with tokens), resources or data
 *   open to the public (public buckets, snapshots, databases, functions, documents, endpoints), and
 *   security groups open to 0.0.0.0/0 on SSH or other sensitive ports.
 * - HIGH: protection of data or of the audit trail missing, or exposure short of public access.
 *   Encryption at rest or in transit (TLS, HTTPS) disabled; audit logging disabled (CloudTrail, flow
 *   logs, access and audit logs); threat detection off (GuardDuty, Security Hub); administrator or
 *   full-access policies and IAM users without MFA; public IPs, the default security group open,
 *   NACLs or routes to the internet gateway unrestricted, account-level public access blocks off;
 *   IMDSv1; privileged containers and containers sharing the host's process namespace; KMS keys
 *   scheduled for deletion.
 * - MEDIUM: resilience and credential hygiene. Backups, backup plans, point-in-time recovery,
 *   versioning, object lock, replication, Multi-AZ and deletion protection; key, secret and access
 *   key rotation, unused credentials and secrets, the password policy, how IAM policies are
 *   attached; IAM database authentication, default admin user names, bucket ACLs, resources outside a
 *   VPC or in subnets that assign public IPs, TLS policies and header handling, WAF association,
 *   patch and SSM compliance, image scanning, certificate expiry, container hardening short of
 *   privileged mode.
 *   Rules that are not in the catalog (custom rules) default to MEDIUM too.
 * - LOW: operational hygiene. Alarms, monitoring, tracing and health checks, log retention,
 *   lifecycle policies, platform and minor version upgrades, capacity and concurrency settings,
 *   multi-AZ placement of load balancers and functions, firewall and WAF rule sets not empty, VPN
 *   tunnels, instance profiles, event notifications, Organizations membership.
 * - INFORMATIONAL: inventory and cost. Unattached volumes, Elastic IPs, network ACLs and security
 *   groups, stopped instances, IAM policies and groups with nobody in them.
 *
 * Pure data and functions: no I/O.
 *
 * Why one file: it is a data catalog, one entry a rule in one table, so a missing or doubled rule
 * and an uneven severity show when it is read whole; the functions after it only look entries up.
 */
import { type } from 'arktype';
import { baseRuleName } from './config-event.js';

/** Severities, most severe first. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A severity value, for configuration parsing. */
export const severitySchema = type.enumerated(...SEVERITIES);

/** Severity overrides of a configuration: base rule name → severity. */
export const severityOverridesSchema = type({ '[string]': severitySchema });

/** The severity of a rule the catalog does not know (a custom rule). */
export const DEFAULT_SEVERITY: Severity = 'MEDIUM';

export interface ManagedRule {
  /** The rule's default name, its key in the catalog (`s3-bucket-versioning-enabled`). */
  readonly name: string;
  /** The AWS source identifier (`S3_BUCKET_VERSIONING_ENABLED`). */
  readonly identifier: string;
  /** One sentence, AWS's. */
  readonly description: string;
  /** The default severity (see the policy above). */
  readonly severity: Severity;
  /** The rule's page of the AWS Config developer guide. */
  readonly remediation: string;
  /** The resource types the rule evaluates, where AWS lists them. */
  readonly resourceTypes?: readonly string[];
}

type CatalogEntry = Omit<ManagedRule, 'name' | 'remediation'>;

// An object literal: a duplicate name is a type error.
const ENTRIES: Readonly<Record<string, CatalogEntry>> = {
  'access-keys-rotated': {
    identifier: 'ACCESS_KEYS_ROTATED',
    severity: 'MEDIUM',
    description:
      'Checks if the active access keys are rotated within the number of days specified in maxAccessKeyAge.',
  },
  'account-part-of-organizations': {
    identifier: 'ACCOUNT_PART_OF_ORGANIZATIONS',
    severity: 'LOW',
    description: 'Checks if an AWS account is part of AWS Organizations.',
  },
  'acm-certificate-expiration-check': {
    identifier: 'ACM_CERTIFICATE_EXPIRATION_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if AWS Certificate Manager Certificates in your account are marked for expiration within the specified number of days.',
    resourceTypes: ['AWS::ACM::Certificate'],
  },
  'alb-http-drop-invalid-header-enabled': {
    identifier: 'ALB_HTTP_DROP_INVALID_HEADER_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if rule evaluates AWS Application Load Balancers (ALB) to ensure they are configured to drop http headers.',
    resourceTypes: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  'alb-http-to-https-redirection-check': {
    identifier: 'ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK',
    severity: 'HIGH',
    description:
      'Checks if HTTP to HTTPS redirection is configured on all HTTP listeners of Application Load Balancers.',
  },
  'alb-waf-enabled': {
    identifier: 'ALB_WAF_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if Web Application Firewall (WAF) is enabled on Application Load Balancers (ALBs).',
    resourceTypes: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  'api-gw-associated-with-waf': {
    identifier: 'API_GW_ASSOCIATED_WITH_WAF',
    severity: 'MEDIUM',
    description: 'Checks if an Amazon API Gateway API stage is using an AWS WAF Web ACL.',
    resourceTypes: ['AWS::ApiGateway::Stage'],
  },
  'api-gw-cache-enabled-and-encrypted': {
    identifier: 'API_GW_CACHE_ENABLED_AND_ENCRYPTED',
    severity: 'HIGH',
    description:
      'Checks that all methods in Amazon API Gateway stages have cache enabled and cache encrypted.',
    resourceTypes: ['AWS::ApiGateway::Stage'],
  },
  'api-gw-execution-logging-enabled': {
    identifier: 'API_GW_EXECUTION_LOGGING_ENABLED',
    severity: 'HIGH',
    description: 'Checks that all methods in Amazon API Gateway stage has logging enabled.',
    resourceTypes: ['AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage'],
  },
  'api-gw-ssl-enabled': {
    identifier: 'API_GW_SSL_ENABLED',
    severity: 'HIGH',
    description: 'Checks if a REST API stage uses an Secure Sockets Layer (SSL) certificate.',
    resourceTypes: ['AWS::ApiGateway::Stage'],
  },
  'api-gw-xray-enabled': {
    identifier: 'API_GW_XRAY_ENABLED',
    severity: 'LOW',
    description: 'Checks if AWS X-Ray tracing is enabled on Amazon API Gateway REST APIs.',
    resourceTypes: ['AWS::ApiGateway::Stage'],
  },
  'aurora-resources-protected-by-backup-plan': {
    identifier: 'AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks if Amazon Aurora DB clusters are protected by a backup plan.',
    resourceTypes: ['AWS::RDS::DBCluster'],
  },
  'autoscaling-group-elb-healthcheck-required': {
    identifier: 'AUTOSCALING_GROUP_ELB_HEALTHCHECK_REQUIRED',
    severity: 'LOW',
    description:
      'Checks if your Auto Scaling groups that are associated with a Classic Load Balancer are using Elastic Load Balancing health checks.',
    resourceTypes: ['AWS::AutoScaling::AutoScalingGroup'],
  },
  'autoscaling-launch-config-public-ip-disabled': {
    identifier: 'AUTOSCALING_LAUNCH_CONFIG_PUBLIC_IP_DISABLED',
    severity: 'HIGH',
    description:
      'Checks if Amazon EC2 Auto Scaling groups have public IP addresses enabled through Launch Configurations.',
    resourceTypes: ['AWS::AutoScaling::LaunchConfiguration'],
  },
  'autoscaling-launchconfig-requires-imdsv2': {
    identifier: 'AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2',
    severity: 'HIGH',
    description: 'Checks whether only IMDSv2 is enabled.',
    resourceTypes: ['AWS::AutoScaling::LaunchConfiguration'],
  },
  'backup-plan-min-frequency-and-min-retention-check': {
    identifier: 'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if a backup plan has a backup rule that satisfies the required frequency and retention period.',
    resourceTypes: ['AWS::Backup::BackupPlan'],
  },
  'backup-recovery-point-encrypted': {
    identifier: 'BACKUP_RECOVERY_POINT_ENCRYPTED',
    severity: 'HIGH',
    description: 'Checks if a recovery point is encrypted.',
    resourceTypes: ['AWS::Backup::RecoveryPoint'],
  },
  'backup-recovery-point-manual-deletion-disabled': {
    identifier: 'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED',
    severity: 'MEDIUM',
    description:
      'Checks if a backup vault has an attached resource-based policy which prevents deletion of recovery points.',
    resourceTypes: ['AWS::Backup::BackupVault'],
  },
  'backup-recovery-point-minimum-retention-check': {
    identifier: 'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK',
    severity: 'MEDIUM',
    description: 'Checks if a recovery point expires no earlier than after the specified period.',
    resourceTypes: ['AWS::Backup::RecoveryPoint'],
  },
  'beanstalk-enhanced-health-reporting-enabled': {
    identifier: 'BEANSTALK_ENHANCED_HEALTH_REPORTING_ENABLED',
    severity: 'LOW',
    description:
      'Checks if an AWS Elastic Beanstalk environment is configured for enhanced health reporting.',
    resourceTypes: ['AWS::ElasticBeanstalk::Environment'],
  },
  'cloud-trail-cloud-watch-logs-enabled': {
    identifier: 'CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED',
    severity: 'HIGH',
    description:
      'Checks whether AWS CloudTrail trails are configured to send logs to Amazon CloudWatch logs.',
  },
  'cloud-trail-encryption-enabled': {
    identifier: 'CLOUD_TRAIL_ENCRYPTION_ENABLED',
    severity: 'HIGH',
    description:
      'Checks if AWS CloudTrail is configured to use the server side encryption (SSE) AWS Key Management Service (AWS KMS) encryption.',
  },
  'cloud-trail-log-file-validation-enabled': {
    identifier: 'CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED',
    severity: 'HIGH',
    description: 'Checks whether AWS CloudTrail creates a signed digest file with logs.',
  },
  'cloudfront-associated-with-waf': {
    identifier: 'CLOUDFRONT_ASSOCIATED_WITH_WAF',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon CloudFront distributions are associated with either WAF or WAFv2 web access control lists (ACLs).',
    resourceTypes: ['AWS::CloudFront::Distribution'],
  },
  'cloudfront-viewer-policy-https': {
    identifier: 'CLOUDFRONT_VIEWER_POLICY_HTTPS',
    severity: 'HIGH',
    description:
      'Checks whether your Amazon CloudFront distributions use HTTPS (directly or via a redirection).',
    resourceTypes: ['AWS::CloudFront::Distribution'],
  },
  'cloudtrail-enabled': {
    identifier: 'CLOUD_TRAIL_ENABLED',
    severity: 'HIGH',
    description: 'Checks if an AWS CloudTrail trail is enabled in your AWS account.',
  },
  'cloudtrail-s3-dataevents-enabled': {
    identifier: 'CLOUDTRAIL_S3_DATAEVENTS_ENABLED',
    severity: 'HIGH',
    description:
      'Checks whether at least one AWS CloudTrail trail is logging Amazon S3 data events for all S3 buckets.',
  },
  'cloudtrail-security-trail-enabled': {
    identifier: 'CLOUDTRAIL_SECURITY_TRAIL_ENABLED',
    severity: 'HIGH',
    description:
      'Checks that there is at least one AWS CloudTrail trail defined with security best practices.',
  },
  'cloudwatch-alarm-action-check': {
    identifier: 'CLOUDWATCH_ALARM_ACTION_CHECK',
    severity: 'LOW',
    description:
      'Checks if Amazon CloudWatch alarms have at least one alarm action, one INSUFFICIENT_DATA action, or one OK action configured.',
    resourceTypes: ['AWS::CloudWatch::Alarm'],
  },
  'cloudwatch-alarm-resource-check': {
    identifier: 'CLOUDWATCH_ALARM_RESOURCE_CHECK',
    severity: 'LOW',
    description:
      'Checks whether the specified resource type has a CloudWatch alarm for the specified metric.',
  },
  'cloudwatch-log-group-encrypted': {
    identifier: 'CLOUDWATCH_LOG_GROUP_ENCRYPTED',
    severity: 'HIGH',
    description:
      'Checks if Amazon CloudWatch Log Groups are encrypted with any AWS KMS key or a specified AWS KMS key Id.',
  },
  'cmk-backing-key-rotation-enabled': {
    identifier: 'CMK_BACKING_KEY_ROTATION_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if automatic key rotation is enabled for each key and matches to the key ID of the customer created AWS KMS key.',
  },
  'codebuild-project-artifact-encryption': {
    identifier: 'CODEBUILD_PROJECT_ARTIFACT_ENCRYPTION',
    severity: 'HIGH',
    description: 'Checks if an AWS CodeBuild project has encryption enabled for all of its artifacts.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'codebuild-project-environment-privileged-check': {
    identifier: 'CODEBUILD_PROJECT_ENVIRONMENT_PRIVILEGED_CHECK',
    severity: 'HIGH',
    description: 'Checks if an AWS CodeBuild project environment has privileged mode enabled.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'codebuild-project-envvar-awscred-check': {
    identifier: 'CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK',
    severity: 'CRITICAL',
    description:
      'Checks whether the project contains environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'codebuild-project-logging-enabled': {
    identifier: 'CODEBUILD_PROJECT_LOGGING_ENABLED',
    severity: 'HIGH',
    description: 'Checks if an AWS CodeBuild project environment has at least one log option enabled.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'codebuild-project-s3-logs-encrypted': {
    identifier: 'CODEBUILD_PROJECT_S3_LOGS_ENCRYPTED',
    severity: 'HIGH',
    description:
      'Checks if a AWS CodeBuild project configured with Amazon S3 Logs has encryption enabled for its logs.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'codebuild-project-source-repo-url-check': {
    identifier: 'CODEBUILD_PROJECT_SOURCE_REPO_URL_CHECK',
    severity: 'CRITICAL',
    description:
      'Checks if the GitHub or Bitbucket source repository URL contains either personal access tokens or sign-in credentials.',
    resourceTypes: ['AWS::CodeBuild::Project'],
  },
  'cw-loggroup-retention-period-check': {
    identifier: 'CW_LOGGROUP_RETENTION_PERIOD_CHECK',
    severity: 'LOW',
    description: 'Checks if Amazon CloudWatch LogGroup retention period is set to specific number of days.',
  },
  'db-instance-backup-enabled': {
    identifier: 'DB_INSTANCE_BACKUP_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if RDS DB instances have backups enabled.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'dms-replication-not-public': {
    identifier: 'DMS_REPLICATION_NOT_PUBLIC',
    severity: 'CRITICAL',
    description: 'Checks whether AWS Database Migration Service replication instances are public.',
  },
  'dynamodb-autoscaling-enabled': {
    identifier: 'DYNAMODB_AUTOSCALING_ENABLED',
    severity: 'LOW',
    description:
      'Checks if Auto Scaling or On-Demand is enabled on your DynamoDB tables and/or global secondary indexes.',
    resourceTypes: ['AWS::DynamoDB::Table'],
  },
  'dynamodb-in-backup-plan': {
    identifier: 'DYNAMODB_IN_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks whether Amazon DynamoDB table is present in AWS Backup Plans.',
    resourceTypes: ['AWS::DynamoDB::Table'],
  },
  'dynamodb-pitr-enabled': {
    identifier: 'DYNAMODB_PITR_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks that point in time recovery (PITR) is enabled for Amazon DynamoDB tables.',
    resourceTypes: ['AWS::DynamoDB::Table'],
  },
  'dynamodb-resources-protected-by-backup-plan': {
    identifier: 'DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks if Amazon DynamoDB tables are protected by a backup plan.',
    resourceTypes: ['AWS::DynamoDB::Table'],
  },
  'dynamodb-table-encrypted-kms': {
    identifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS',
    severity: 'HIGH',
    description: 'Checks if Amazon DynamoDB table is encrypted with AWS Key Management Service (KMS).',
    resourceTypes: ['AWS::DynamoDB::Table'],
  },
  'dynamodb-throughput-limit-check': {
    identifier: 'DYNAMODB_THROUGHPUT_LIMIT_CHECK',
    severity: 'LOW',
    description:
      'Checks if provisioned DynamoDB throughput is approaching the maximum limit for your account.',
  },
  'ebs-in-backup-plan': {
    identifier: 'EBS_IN_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Check if Amazon Elastic Block Store (Amazon EBS) volumes are added in backup plans of AWS Backup.',
  },
  'ebs-optimized-instance': {
    identifier: 'EBS_OPTIMIZED_INSTANCE',
    severity: 'LOW',
    description: 'Checks if EBS optimization is enabled for your EC2 instances that can be EBS-optimized.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ebs-resources-protected-by-backup-plan': {
    identifier: 'EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks if Amazon Elastic Block Store (Amazon EBS) volumes are protected by a backup plan.',
    resourceTypes: ['AWS::EC2::Volume'],
  },
  'ebs-snapshot-public-restorable-check': {
    identifier: 'EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK',
    severity: 'CRITICAL',
    description:
      'Checks whether Amazon Elastic Block Store (Amazon EBS) snapshots are not publicly restorable.',
  },
  'ec2-ebs-encryption-by-default': {
    identifier: 'EC2_EBS_ENCRYPTION_BY_DEFAULT',
    severity: 'HIGH',
    description: 'Check that Amazon Elastic Block Store (EBS) encryption is enabled by default.',
  },
  'ec2-imdsv2-check': {
    identifier: 'EC2_IMDSV2_CHECK',
    severity: 'HIGH',
    description:
      'Checks whether your Amazon Elastic Compute Cloud (Amazon EC2) instance metadata version is configured with Instance Metadata Service Version 2 (IMDSv2).',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-instance-detailed-monitoring-enabled': {
    identifier: 'EC2_INSTANCE_DETAILED_MONITORING_ENABLED',
    severity: 'LOW',
    description: 'Checks if detailed monitoring is enabled for EC2 instances.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-instance-managed-by-systems-manager': {
    identifier: 'EC2_INSTANCE_MANAGED_BY_SSM',
    severity: 'MEDIUM',
    description:
      'Checks whether the Amazon EC2 instances in your account are managed by AWS Systems Manager.',
    resourceTypes: ['AWS::EC2::Instance', 'AWS::SSM::ManagedInstanceInventory'],
  },
  'ec2-instance-multiple-eni-check': {
    identifier: 'EC2_INSTANCE_MULTIPLE_ENI_CHECK',
    severity: 'INFORMATIONAL',
    description:
      'Checks if Amazon Elastic Compute Cloud (Amazon EC2) uses multiple ENIs (Elastic Network Interfaces) or Elastic Fabric Adapters (EFAs).',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-instance-no-public-ip': {
    identifier: 'EC2_INSTANCE_NO_PUBLIC_IP',
    severity: 'HIGH',
    description:
      'Checks whether Amazon Elastic Compute Cloud (Amazon EC2) instances have a public IP association.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-instance-profile-attached': {
    identifier: 'EC2_INSTANCE_PROFILE_ATTACHED',
    severity: 'LOW',
    description:
      'Checks if an Amazon Elastic Compute Cloud (Amazon EC2) instance has an Identity and Access Management (IAM) profile attached to it.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-instances-in-vpc': {
    identifier: 'INSTANCES_IN_VPC',
    severity: 'MEDIUM',
    description: 'Checks if your EC2 instances belong to a virtual private cloud (VPC).',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-managedinstance-association-compliance-status-check': {
    identifier: 'EC2_MANAGEDINSTANCE_ASSOCIATION_COMPLIANCE_STATUS_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if the status of the AWS Systems Manager association compliance is COMPLIANT or NON_COMPLIANT after the association execution on the instance.',
    resourceTypes: ['AWS::SSM::AssociationCompliance'],
  },
  'ec2-managedinstance-patch-compliance-status-check': {
    identifier: 'EC2_MANAGEDINSTANCE_PATCH_COMPLIANCE_STATUS_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks whether the compliance status of the AWS Systems Manager patch compliance is COMPLIANT or NON_COMPLIANT after the patch installation on the instance.',
    resourceTypes: ['AWS::SSM::PatchCompliance'],
  },
  'ec2-no-amazon-key-pair': {
    identifier: 'EC2_NO_AMAZON_KEY_PAIR',
    severity: 'MEDIUM',
    description:
      'Checks if running Amazon Elastic Compute Cloud (EC2) instances are launched using amazon key pairs.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-resources-protected-by-backup-plan': {
    identifier: 'EC2_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Elastic Compute Cloud (Amazon EC2) instances are protected by a backup plan.',
    resourceTypes: ['AWS::EC2::Instance'],
  },
  'ec2-security-group-attached-to-eni-periodic': {
    identifier: 'EC2_SECURITY_GROUP_ATTACHED_TO_ENI_PERIODIC',
    severity: 'INFORMATIONAL',
    description: 'Checks if non-default security groups are attached to Elastic network interfaces (ENIs).',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  'ec2-stopped-instance': {
    identifier: 'EC2_STOPPED_INSTANCE',
    severity: 'INFORMATIONAL',
    description:
      'Checks if there are Amazon Elastic Compute Cloud (Amazon EC2) instances stopped for more than the allowed number of days.',
  },
  'ec2-volume-inuse-check': {
    identifier: 'EC2_VOLUME_INUSE_CHECK',
    severity: 'INFORMATIONAL',
    description: 'Checks if EBS volumes are attached to EC2 instances.',
    resourceTypes: ['AWS::EC2::Volume'],
  },
  'ecr-private-image-scanning-enabled': {
    identifier: 'ECR_PRIVATE_IMAGE_SCANNING_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if a private Amazon Elastic Container Registry (ECR) repository has image scanning enabled.',
    resourceTypes: ['AWS::ECR::Repository'],
  },
  'ecr-private-lifecycle-policy-configured': {
    identifier: 'ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED',
    severity: 'LOW',
    description:
      'Checks if a private Amazon Elastic Container Registry (ECR) repository has at least one lifecycle policy configured.',
    resourceTypes: ['AWS::ECR::Repository'],
  },
  'ecr-private-tag-immutability-enabled': {
    identifier: 'ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED',
    severity: 'LOW',
    description:
      'Checks if a private Amazon Elastic Container Registry (ECR) repository has tag immutability enabled.',
    resourceTypes: ['AWS::ECR::Repository'],
  },
  'ecs-container-insights-enabled': {
    identifier: 'ECS_CONTAINER_INSIGHTS_ENABLED',
    severity: 'LOW',
    description: 'Checks if Amazon Elastic Container Service clusters have container insights enabled.',
    resourceTypes: ['AWS::ECS::Cluster'],
  },
  'ecs-containers-nonprivileged': {
    identifier: 'ECS_CONTAINERS_NONPRIVILEGED',
    severity: 'HIGH',
    description:
      "Checks if the privileged parameter in the container definition of ECSTaskDefinitions is set to 'true'.",
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'ecs-containers-readonly-access': {
    identifier: 'ECS_CONTAINERS_READONLY_ACCESS',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Elastic Container Service (Amazon ECS) Containers only have read-only access to its root filesystems.',
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'ecs-fargate-latest-platform-version': {
    identifier: 'ECS_FARGATE_LATEST_PLATFORM_VERSION',
    severity: 'LOW',
    description: 'Checks if ECS Fargate services is set to the latest platform version.',
    resourceTypes: ['AWS::ECS::Service'],
  },
  'ecs-task-definition-memory-hard-limit': {
    identifier: 'ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT',
    severity: 'LOW',
    description:
      'Checks if Amazon Elastic Container Service (ECS) task definitions have a set memory limit for its container definitions.',
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'ecs-task-definition-nonroot-user': {
    identifier: 'ECS_TASK_DEFINITION_NONROOT_USER',
    severity: 'MEDIUM',
    description:
      'Checks if ECSTaskDefinitions specify a user for Amazon Elastic Container Service (Amazon ECS) EC2 launch type containers to run on.',
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'ecs-task-definition-pid-mode-check': {
    identifier: 'ECS_TASK_DEFINITION_PID_MODE_CHECK',
    severity: 'HIGH',
    description:
      "Checks if ECSTaskDefinitions are configured to share a host's process namespace with its Amazon Elastic Container Service (Amazon ECS) containers.",
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'ecs-task-definition-user-for-host-mode-check': {
    identifier: 'ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK',
    severity: 'HIGH',
    description:
      "Checks if an Amazon Elastic Container Service (Amazon ECS) task definition with host networking mode has 'privileged' or 'user' container definitions.",
    resourceTypes: ['AWS::ECS::TaskDefinition'],
  },
  'efs-access-point-enforce-root-directory': {
    identifier: 'EFS_ACCESS_POINT_ENFORCE_ROOT_DIRECTORY',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Elastic File System (Amazon EFS) access points are configured to enforce a root directory.',
    resourceTypes: ['AWS::EFS::AccessPoint'],
  },
  'efs-access-point-enforce-user-identity': {
    identifier: 'EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Elastic File System (Amazon EFS) access points are configured to enforce a user identity.',
    resourceTypes: ['AWS::EFS::AccessPoint'],
  },
  'efs-encrypted-check': {
    identifier: 'EFS_ENCRYPTED_CHECK',
    severity: 'HIGH',
    description:
      'Checks if Amazon Elastic File System (Amazon EFS) is configured to encrypt the file data using AWS Key Management Service (AWS KMS).',
  },
  'efs-in-backup-plan': {
    identifier: 'EFS_IN_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Checks whether Amazon Elastic File System (Amazon EFS) file systems are added in the backup plans of AWS Backup.',
  },
  'efs-resources-protected-by-backup-plan': {
    identifier: 'EFS_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Elastic File System (Amazon EFS) File Systems are protected by a backup plan.',
    resourceTypes: ['AWS::EFS::FileSystem'],
  },
  'eip-attached': {
    identifier: 'EIP_ATTACHED',
    severity: 'INFORMATIONAL',
    description:
      'Checks if all Elastic IP addresses that are allocated to an AWS account are attached to EC2 instances or in-use elastic network interfaces (ENIs).',
    resourceTypes: ['AWS::EC2::EIP'],
  },
  'eks-endpoint-no-public-access': {
    identifier: 'EKS_ENDPOINT_NO_PUBLIC_ACCESS',
    severity: 'CRITICAL',
    description:
      'Checks whether Amazon Elastic Kubernetes Service (Amazon EKS) endpoint is not publicly accessible.',
  },
  'eks-secrets-encrypted': {
    identifier: 'EKS_SECRETS_ENCRYPTED',
    severity: 'HIGH',
    description:
      'Checks if Amazon Elastic Kubernetes Service clusters are configured to have Kubernetes secrets encrypted using AWS Key Management Service (KMS) keys.',
  },
  'elastic-beanstalk-managed-updates-enabled': {
    identifier: 'ELASTIC_BEANSTALK_MANAGED_UPDATES_ENABLED',
    severity: 'LOW',
    description: 'Checks if managed platform updates in an AWS Elastic Beanstalk environment is enabled.',
    resourceTypes: ['AWS::ElasticBeanstalk::Environment'],
  },
  'elasticache-redis-cluster-automatic-backup-check': {
    identifier: 'ELASTICACHE_REDIS_CLUSTER_AUTOMATIC_BACKUP_CHECK',
    severity: 'MEDIUM',
    description: 'Check if the Amazon ElastiCache Redis clusters have automatic backup turned on.',
    resourceTypes: ['AWS::ElastiCache::CacheCluster', 'AWS::ElastiCache::ReplicationGroup'],
  },
  'elasticsearch-encrypted-at-rest': {
    identifier: 'ELASTICSEARCH_ENCRYPTED_AT_REST',
    severity: 'HIGH',
    description: 'Checks if Elasticsearch domains have encryption at rest configuration enabled.',
  },
  'elasticsearch-in-vpc-only': {
    identifier: 'ELASTICSEARCH_IN_VPC_ONLY',
    severity: 'MEDIUM',
    description: 'Checks if Elasticsearch domains are in Amazon Virtual Private Cloud (Amazon VPC).',
  },
  'elasticsearch-logs-to-cloudwatch': {
    identifier: 'ELASTICSEARCH_LOGS_TO_CLOUDWATCH',
    severity: 'LOW',
    description: 'Checks if Elasticsearch domains are configured to send logs to Amazon CloudWatch Logs.',
    resourceTypes: ['AWS::Elasticsearch::Domain'],
  },
  'elasticsearch-node-to-node-encryption-check': {
    identifier: 'ELASTICSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK',
    severity: 'HIGH',
    description: 'Check if Elasticsearch nodes are encrypted end to end.',
    resourceTypes: ['AWS::Elasticsearch::Domain'],
  },
  'elb-acm-certificate-required': {
    identifier: 'ELB_ACM_CERTIFICATE_REQUIRED',
    severity: 'HIGH',
    description:
      'Checks if the Classic Load Balancers use SSL certificates provided by AWS Certificate Manager.',
    resourceTypes: ['AWS::ElasticLoadBalancing::LoadBalancer'],
  },
  'elb-cross-zone-load-balancing-enabled': {
    identifier: 'ELB_CROSS_ZONE_LOAD_BALANCING_ENABLED',
    severity: 'LOW',
    description: 'Checks if cross-zone load balancing is enabled for the Classic Load Balancers (CLBs).',
    resourceTypes: ['AWS::ElasticLoadBalancing::LoadBalancer'],
  },
  'elb-deletion-protection-enabled': {
    identifier: 'ELB_DELETION_PROTECTION_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks whether an Elastic Load Balancer has deletion protection enabled.',
    resourceTypes: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  'elb-logging-enabled': {
    identifier: 'ELB_LOGGING_ENABLED',
    severity: 'HIGH',
    description:
      'Checks if the Application Load Balancer and the Classic Load Balancer have logging enabled.',
    resourceTypes: ['AWS::ElasticLoadBalancing::LoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  'elb-predefined-security-policy-ssl-check': {
    identifier: 'ELB_PREDEFINED_SECURITY_POLICY_SSL_CHECK',
    severity: 'MEDIUM',
    description: 'Checks whether your Classic Load Balancer SSL listeners are using a predefined policy.',
    resourceTypes: ['AWS::ElasticLoadBalancing::LoadBalancer'],
  },
  'elb-tls-https-listeners-only': {
    identifier: 'ELB_TLS_HTTPS_LISTENERS_ONLY',
    severity: 'HIGH',
    description: 'Checks if your Classic Load Balancer is configured with SSL or HTTPS listeners.',
    resourceTypes: ['AWS::ElasticLoadBalancing::LoadBalancer'],
  },
  'elbv2-acm-certificate-required': {
    identifier: 'ELBV2_ACM_CERTIFICATE_REQUIRED',
    severity: 'HIGH',
    description:
      'Checks if Application Load Balancers and Network Load Balancers have listeners that are configured to use certificates from AWS Certificate Manager (ACM).',
  },
  'elbv2-multiple-az': {
    identifier: 'ELBV2_MULTIPLE_AZ',
    severity: 'LOW',
    description:
      "Checks if an Elastic Load Balancer V2 (Application, Network, or Gateway Load Balancer) has registered instances from multiple Availability Zones (AZ's).",
    resourceTypes: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  },
  'emr-kerberos-enabled': {
    identifier: 'EMR_KERBEROS_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if Amazon EMR clusters have Kerberos enabled.',
  },
  'emr-master-no-public-ip': {
    identifier: 'EMR_MASTER_NO_PUBLIC_IP',
    severity: 'HIGH',
    description: "Checks if Amazon Elastic MapReduce (EMR) clusters' master nodes have public IPs.",
    resourceTypes: ['AWS::EMR::Cluster'],
  },
  'encrypted-volumes': {
    identifier: 'ENCRYPTED_VOLUMES',
    severity: 'HIGH',
    description: 'Checks if the EBS volumes that are in an attached state are encrypted.',
    resourceTypes: ['AWS::EC2::Volume'],
  },
  'fsx-resources-protected-by-backup-plan': {
    identifier: 'FSX_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks if Amazon FSx File Systems are protected by a backup plan.',
    resourceTypes: ['AWS::FSx::FileSystem'],
  },
  'guardduty-enabled-centralized': {
    identifier: 'GUARDDUTY_ENABLED_CENTRALIZED',
    severity: 'HIGH',
    description: 'Checks if Amazon GuardDuty is enabled in your AWS account and region.',
  },
  'guardduty-non-archived-findings': {
    identifier: 'GUARDDUTY_NON_ARCHIVED_FINDINGS',
    severity: 'HIGH',
    description: 'Checks whether Amazon GuardDuty has findings that are non archived.',
  },
  'iam-customer-policy-blocked-kms-actions': {
    identifier: 'IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS',
    severity: 'MEDIUM',
    description:
      'Checks if the managed AWS Identity and Access Management (IAM) policies that you create do not allow blocked actions on AWS KMS keys.',
    resourceTypes: ['AWS::IAM::Policy'],
  },
  'iam-group-has-users-check': {
    identifier: 'IAM_GROUP_HAS_USERS_CHECK',
    severity: 'INFORMATIONAL',
    description: 'Checks whether IAM groups have at least one IAM user.',
    resourceTypes: ['AWS::IAM::Group'],
  },
  'iam-inline-policy-blocked-kms-actions': {
    identifier: 'IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS',
    severity: 'MEDIUM',
    description:
      'Checks that the inline policies attached to your IAM users, roles, and groups do not allow blocked actions on all AWS Key Management Service (KMS) keys.',
    resourceTypes: ['AWS::IAM::Group', 'AWS::IAM::Role', 'AWS::IAM::User'],
  },
  'iam-no-inline-policy-check': {
    identifier: 'IAM_NO_INLINE_POLICY_CHECK',
    severity: 'MEDIUM',
    description: 'Checks that inline policy feature is not in use.',
    resourceTypes: ['AWS::IAM::User', 'AWS::IAM::Role', 'AWS::IAM::Group'],
  },
  'iam-password-policy': {
    identifier: 'IAM_PASSWORD_POLICY',
    severity: 'MEDIUM',
    description:
      'Checks if the account password policy for IAM users meets the specified requirements indicated in the parameters.',
  },
  'iam-policy-in-use': {
    identifier: 'IAM_POLICY_IN_USE',
    severity: 'INFORMATIONAL',
    description:
      'Checks whether the IAM policy ARN is attached to an IAM user, or a group with one or more IAM users, or an IAM role with one or more trusted entity.',
  },
  'iam-policy-no-statements-with-admin-access': {
    identifier: 'IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS',
    severity: 'HIGH',
    description:
      'Checks if AWS Identity and Access Management (IAM) policies that you create have Allow statements that grant permissions to all actions on all resources.',
    resourceTypes: ['AWS::IAM::Policy'],
  },
  'iam-policy-no-statements-with-full-access': {
    identifier: 'IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS',
    severity: 'HIGH',
    description:
      'Checks if AWS Identity and Access Management (IAM) policies that you create grant permissions to all actions on individual AWS resources.',
    resourceTypes: ['AWS::IAM::Policy'],
  },
  'iam-root-access-key-check': {
    identifier: 'IAM_ROOT_ACCESS_KEY_CHECK',
    severity: 'CRITICAL',
    description: 'Checks if the root user access key is available.',
  },
  'iam-user-group-membership-check': {
    identifier: 'IAM_USER_GROUP_MEMBERSHIP_CHECK',
    severity: 'MEDIUM',
    description: 'Checks whether IAM users are members of at least one IAM group.',
    resourceTypes: ['AWS::IAM::User'],
  },
  'iam-user-mfa-enabled': {
    identifier: 'IAM_USER_MFA_ENABLED',
    severity: 'HIGH',
    description:
      'Checks whether the AWS Identity and Access Management users have multi-factor authentication (MFA) enabled.',
  },
  'iam-user-no-policies-check': {
    identifier: 'IAM_USER_NO_POLICIES_CHECK',
    severity: 'MEDIUM',
    description: 'Checks if none of your IAM users have policies attached.',
    resourceTypes: ['AWS::IAM::User'],
  },
  'iam-user-unused-credentials-check': {
    identifier: 'IAM_USER_UNUSED_CREDENTIALS_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if your AWS Identity and Access Management (IAM) users have passwords or active access keys that have not been used within the specified number of days you provided.',
  },
  'internet-gateway-authorized-vpc-only': {
    identifier: 'INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY',
    severity: 'HIGH',
    description:
      'Checks that Internet gateways (IGWs) are only attached to an authorized Amazon Virtual Private Cloud (VPCs).',
    resourceTypes: ['AWS::EC2::InternetGateway'],
  },
  'kinesis-stream-encrypted': {
    identifier: 'KINESIS_STREAM_ENCRYPTED',
    severity: 'HIGH',
    description: 'Checks if Amazon Kinesis streams are encrypted at rest with server-side encryption.',
    resourceTypes: ['AWS::Kinesis::Stream'],
  },
  'kms-cmk-not-scheduled-for-deletion': {
    identifier: 'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
    severity: 'HIGH',
    description:
      'Checks if AWS KMS keys are not scheduled for deletion in AWS Key Management Service (AWS KMS).',
    resourceTypes: ['AWS::KMS::Key'],
  },
  'lambda-concurrency-check': {
    identifier: 'LAMBDA_CONCURRENCY_CHECK',
    severity: 'LOW',
    description:
      'Checks whether the AWS Lambda function is configured with function-level concurrent execution limit.',
    resourceTypes: ['AWS::Lambda::Function'],
  },
  'lambda-dlq-check': {
    identifier: 'LAMBDA_DLQ_CHECK',
    severity: 'LOW',
    description: 'Checks whether an AWS Lambda function is configured with a dead-letter queue.',
    resourceTypes: ['AWS::Lambda::Function'],
  },
  'lambda-function-public-access-prohibited': {
    identifier: 'LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED',
    severity: 'CRITICAL',
    description:
      'Checks if the AWS Lambda function policy attached to the Lambda resource prohibits public access.',
    resourceTypes: ['AWS::Lambda::Function'],
  },
  'lambda-inside-vpc': {
    identifier: 'LAMBDA_INSIDE_VPC',
    severity: 'MEDIUM',
    description:
      'Checks whether an AWS Lambda function is allowed access to an Amazon Virtual Private Cloud.',
    resourceTypes: ['AWS::Lambda::Function'],
  },
  'lambda-vpc-multi-az-check': {
    identifier: 'LAMBDA_VPC_MULTI_AZ_CHECK',
    severity: 'LOW',
    description: 'Checks if Lambda has more than 1 availability zone associated.',
    resourceTypes: ['AWS::Lambda::Function'],
  },
  'mfa-enabled-for-iam-console-access': {
    identifier: 'MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS',
    severity: 'HIGH',
    description:
      'Checks whether AWS Multi-Factor Authentication (MFA) is enabled for all AWS Identity and Access Management (IAM) users that use a console password.',
  },
  'multi-region-cloudtrail-enabled': {
    identifier: 'MULTI_REGION_CLOUD_TRAIL_ENABLED',
    severity: 'HIGH',
    description: 'Checks if there is at least one multi-region AWS CloudTrail.',
  },
  'nacl-no-unrestricted-ssh-rdp': {
    identifier: 'NACL_NO_UNRESTRICTED_SSH_RDP',
    severity: 'HIGH',
    description:
      'Checks if default ports for SSH/RDP ingress traffic for network access control lists (NACLs) is unrestricted.',
    resourceTypes: ['AWS::EC2::NetworkAcl'],
  },
  'netfw-policy-default-action-fragment-packets': {
    identifier: 'NETFW_POLICY_DEFAULT_ACTION_FRAGMENT_PACKETS',
    severity: 'LOW',
    description:
      'Checks if an AWS Network Firewall policy is configured with a user defined stateless default action for fragmented packets.',
    resourceTypes: ['AWS::NetworkFirewall::FirewallPolicy'],
  },
  'netfw-policy-default-action-full-packets': {
    identifier: 'NETFW_POLICY_DEFAULT_ACTION_FULL_PACKETS',
    severity: 'LOW',
    description:
      'Checks if an AWS Network Firewall policy is configured with a user defined default stateless action for full packets.',
    resourceTypes: ['AWS::NetworkFirewall::FirewallPolicy'],
  },
  'netfw-policy-rule-group-associated': {
    identifier: 'NETFW_POLICY_RULE_GROUP_ASSOCIATED',
    severity: 'LOW',
    description: 'Check AWS Network Firewall policy is associated with stateful OR stateless rule groups.',
    resourceTypes: ['AWS::NetworkFirewall::FirewallPolicy'],
  },
  'netfw-stateless-rule-group-not-empty': {
    identifier: 'NETFW_STATELESS_RULE_GROUP_NOT_EMPTY',
    severity: 'LOW',
    description: 'Checks if a Stateless Network Firewall Rule Group contains rules.',
    resourceTypes: ['AWS::NetworkFirewall::RuleGroup'],
  },
  'no-unrestricted-route-to-igw': {
    identifier: 'NO_UNRESTRICTED_ROUTE_TO_IGW',
    severity: 'HIGH',
    description:
      "Checks if route tables have inputs other than these default values: CIDR block of '0.0.0.0/0' as the Destination for IPv4 or '::/0' for IPv6, and 'igw-id' as the Target.",
    resourceTypes: ['AWS::EC2::RouteTable'],
  },
  'opensearch-access-control-enabled': {
    identifier: 'OPENSEARCH_ACCESS_CONTROL_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if Amazon OpenSearch Service domains have fine-grained access control enabled.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-audit-logging-enabled': {
    identifier: 'OPENSEARCH_AUDIT_LOGGING_ENABLED',
    severity: 'HIGH',
    description: 'Checks if Amazon OpenSearch Service domains have audit logging enabled.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-data-node-fault-tolerance': {
    identifier: 'OPENSEARCH_DATA_NODE_FAULT_TOLERANCE',
    severity: 'LOW',
    description:
      'Checks if Amazon OpenSearch Service domains are configured with at least three data nodes and zoneAwarenessEnabled is true.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-encrypted-at-rest': {
    identifier: 'OPENSEARCH_ENCRYPTED_AT_REST',
    severity: 'HIGH',
    description: 'Checks if Amazon OpenSearch Service domains have encryption at rest configuration enabled.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-https-required': {
    identifier: 'OPENSEARCH_HTTPS_REQUIRED',
    severity: 'HIGH',
    description: 'Checks whether connections to OpenSearch domains are using HTTPS.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-in-vpc-only': {
    identifier: 'OPENSEARCH_IN_VPC_ONLY',
    severity: 'MEDIUM',
    description: 'Checks if Amazon OpenSearch Service domains are in an Amazon Virtual Private Cloud (VPC).',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-logs-to-cloudwatch': {
    identifier: 'OPENSEARCH_LOGS_TO_CLOUDWATCH',
    severity: 'LOW',
    description:
      'Checks if Amazon OpenSearch Service domains are configured to send logs to Amazon CloudWatch Logs.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'opensearch-node-to-node-encryption-check': {
    identifier: 'OPENSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK',
    severity: 'HIGH',
    description: 'Check if Amazon OpenSearch Service nodes are encrypted end to end.',
    resourceTypes: ['AWS::OpenSearch::Domain'],
  },
  'rds-automatic-minor-version-upgrade-enabled': {
    identifier: 'RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED',
    severity: 'LOW',
    description:
      'Checks if Amazon Relational Database Service (RDS) database instances are configured for automatic minor version upgrades.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-cluster-deletion-protection-enabled': {
    identifier: 'RDS_CLUSTER_DELETION_PROTECTION_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if an Amazon Relational Database Service (Amazon RDS) cluster has deletion protection enabled.',
    resourceTypes: ['AWS::RDS::DBCluster'],
  },
  'rds-cluster-multi-az-enabled': {
    identifier: 'RDS_CLUSTER_MULTI_AZ_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if Multi-AZ replication is enabled on Amazon Aurora and Hermes clusters managed by Amazon Relational Database Service (Amazon RDS).',
    resourceTypes: ['AWS::RDS::DBCluster'],
  },
  'rds-enhanced-monitoring-enabled': {
    identifier: 'RDS_ENHANCED_MONITORING_ENABLED',
    severity: 'LOW',
    description:
      'Checks whether enhanced monitoring is enabled for Amazon Relational Database Service (Amazon RDS) instances.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-in-backup-plan': {
    identifier: 'RDS_IN_BACKUP_PLAN',
    severity: 'MEDIUM',
    description: 'Checks if the Amazon RDS resource type is present in a backup plan in AWS Backup.',
  },
  'rds-instance-default-admin-check': {
    identifier: 'RDS_INSTANCE_DEFAULT_ADMIN_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if an Amazon Relational Database Service (Amazon RDS) database has changed the admin username from its default value.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-instance-deletion-protection-enabled': {
    identifier: 'RDS_INSTANCE_DELETION_PROTECTION_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if an Amazon Relational Database Service (Amazon RDS) instance has deletion protection enabled.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-instance-iam-authentication-enabled': {
    identifier: 'RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED',
    severity: 'MEDIUM',
    description:
      'Checks if an Amazon Relational Database Service (Amazon RDS) instance has AWS Identity and Access Management (IAM) authentication enabled.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-instance-public-access-check': {
    identifier: 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK',
    severity: 'CRITICAL',
    description:
      'Checks whether the Amazon Relational Database Service (RDS) instances are not publicly accessible.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-logging-enabled': {
    identifier: 'RDS_LOGGING_ENABLED',
    severity: 'HIGH',
    description:
      'Checks that respective logs of Amazon Relational Database Service (Amazon RDS) are enabled.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-multi-az-support': {
    identifier: 'RDS_MULTI_AZ_SUPPORT',
    severity: 'MEDIUM',
    description: 'Checks whether high availability is enabled for your RDS DB instances.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-resources-protected-by-backup-plan': {
    identifier: 'RDS_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Relational Database Service (Amazon RDS) instances are protected by a backup plan.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'rds-snapshot-encrypted': {
    identifier: 'RDS_SNAPSHOT_ENCRYPTED',
    severity: 'HIGH',
    description: 'Checks whether Amazon Relational Database Service (Amazon RDS) DB snapshots are encrypted.',
    resourceTypes: ['AWS::RDS::DBSnapshot', 'AWS::RDS::DBClusterSnapshot'],
  },
  'rds-snapshots-public-prohibited': {
    identifier: 'RDS_SNAPSHOTS_PUBLIC_PROHIBITED',
    severity: 'CRITICAL',
    description: 'Checks if Amazon Relational Database Service (Amazon RDS) snapshots are public.',
    resourceTypes: ['AWS::RDS::DBSnapshot', 'AWS::RDS::DBClusterSnapshot'],
  },
  'rds-storage-encrypted': {
    identifier: 'RDS_STORAGE_ENCRYPTED',
    severity: 'HIGH',
    description: 'Checks if storage encryption is enabled for your RDS DB instances.',
    resourceTypes: ['AWS::RDS::DBInstance'],
  },
  'redshift-audit-logging-enabled': {
    identifier: 'REDSHIFT_AUDIT_LOGGING_ENABLED',
    severity: 'HIGH',
    description: 'Checks if Amazon Redshift clusters are logging audits to a specific bucket.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-backup-enabled': {
    identifier: 'REDSHIFT_BACKUP_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks that Amazon Redshift automated snapshots are enabled for clusters.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-cluster-configuration-check': {
    identifier: 'REDSHIFT_CLUSTER_CONFIGURATION_CHECK',
    severity: 'LOW',
    description: 'Checks whether Amazon Redshift clusters have the specified settings.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-cluster-kms-enabled': {
    identifier: 'REDSHIFT_CLUSTER_KMS_ENABLED',
    severity: 'HIGH',
    description:
      'Checks if Amazon Redshift clusters are using a specified AWS Key Management Service (AWS KMS) key for encryption.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-cluster-maintenancesettings-check': {
    identifier: 'REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK',
    severity: 'LOW',
    description: 'Checks whether Amazon Redshift clusters have the specified maintenance settings.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-cluster-public-access-check': {
    identifier: 'REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK',
    severity: 'CRITICAL',
    description: 'Checks whether Amazon Redshift clusters are not publicly accessible.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-default-admin-check': {
    identifier: 'REDSHIFT_DEFAULT_ADMIN_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if an Amazon Redshift cluster has changed the admin username from its default value.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-enhanced-vpc-routing-enabled': {
    identifier: 'REDSHIFT_ENHANCED_VPC_ROUTING_ENABLED',
    severity: 'MEDIUM',
    description: "Checks if Amazon Redshift cluster has 'enhancedVpcRouting' enabled.",
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'redshift-require-tls-ssl': {
    identifier: 'REDSHIFT_REQUIRE_TLS_SSL',
    severity: 'HIGH',
    description:
      'Checks whether Amazon Redshift clusters require TLS/SSL encryption to connect to SQL clients.',
    resourceTypes: ['AWS::Redshift::Cluster'],
  },
  'restricted-common-ports': {
    identifier: 'RESTRICTED_INCOMING_TRAFFIC',
    severity: 'CRITICAL',
    description:
      'Checks if the security groups in use do not allow unrestricted incoming TCP traffic to the specified ports.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  'restricted-ssh': {
    identifier: 'INCOMING_SSH_DISABLED',
    severity: 'CRITICAL',
    description: 'Checks if the incoming SSH traffic for the security groups is accessible.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  'root-account-hardware-mfa-enabled': {
    identifier: 'ROOT_ACCOUNT_HARDWARE_MFA_ENABLED',
    severity: 'CRITICAL',
    description:
      'Checks if your AWS account is enabled to use multi-factor authentication (MFA) hardware device to sign in with root credentials.',
  },
  'root-account-mfa-enabled': {
    identifier: 'ROOT_ACCOUNT_MFA_ENABLED',
    severity: 'CRITICAL',
    description:
      'Checks whether the root user of your AWS account requires multi-factor authentication for console sign-in.',
  },
  's3-account-level-public-access-blocks': {
    identifier: 'S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS',
    severity: 'HIGH',
    description: 'Checks if the required public access block settings are configured from account level.',
    resourceTypes: ['AWS::S3::AccountPublicAccessBlock'],
  },
  's3-account-level-public-access-blocks-periodic': {
    identifier: 'S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC',
    severity: 'HIGH',
    description: 'Checks if the required public access block settings are configured from account level.',
  },
  's3-bucket-acl-prohibited': {
    identifier: 'S3_BUCKET_ACL_PROHIBITED',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Simple Storage Service (Amazon S3) Buckets allow user permissions through access control lists (ACLs).',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-default-lock-enabled': {
    identifier: 'S3_BUCKET_DEFAULT_LOCK_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks whether Amazon S3 bucket has lock enabled, by default.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-level-public-access-prohibited': {
    identifier: 'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED',
    severity: 'CRITICAL',
    description: 'Checks if Amazon Simple Storage Service (Amazon S3) buckets are publicly accessible.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-logging-enabled': {
    identifier: 'S3_BUCKET_LOGGING_ENABLED',
    severity: 'HIGH',
    description: 'Checks if logging is enabled for your S3 buckets.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-policy-grantee-check': {
    identifier: 'S3_BUCKET_POLICY_GRANTEE_CHECK',
    severity: 'HIGH',
    description:
      'Checks that the access granted by the Amazon S3 bucket is restricted by any of the AWS principals, federated users, service principals, IP addresses, or VPCs that you provide.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-public-read-prohibited': {
    identifier: 'S3_BUCKET_PUBLIC_READ_PROHIBITED',
    severity: 'CRITICAL',
    description: 'Checks if your Amazon S3 buckets do not allow public read access.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-public-write-prohibited': {
    identifier: 'S3_BUCKET_PUBLIC_WRITE_PROHIBITED',
    severity: 'CRITICAL',
    description: 'Checks if your Amazon S3 buckets do not allow public write access.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-replication-enabled': {
    identifier: 'S3_BUCKET_REPLICATION_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if your Amazon S3 buckets have replication rules enabled.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-server-side-encryption-enabled': {
    identifier: 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED',
    severity: 'HIGH',
    description:
      'Checks if your Amazon S3 bucket either has the Amazon S3 default encryption enabled or that the Amazon S3 bucket policy explicitly denies put-object requests without server side encryption that uses AES-256 or AWS Key Management Service.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-ssl-requests-only': {
    identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY',
    severity: 'HIGH',
    description:
      'Checks if Amazon S3 buckets have policies that require requests to use Secure Socket Layer (SSL).',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-bucket-versioning-enabled': {
    identifier: 'S3_BUCKET_VERSIONING_ENABLED',
    severity: 'MEDIUM',
    description: 'Checks if versioning is enabled for your S3 buckets.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-default-encryption-kms': {
    identifier: 'S3_DEFAULT_ENCRYPTION_KMS',
    severity: 'HIGH',
    description:
      'Checks whether the Amazon S3 buckets are encrypted with AWS Key Management Service(AWS KMS).',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-event-notifications-enabled': {
    identifier: 'S3_EVENT_NOTIFICATIONS_ENABLED',
    severity: 'LOW',
    description: 'Checks if Amazon S3 Events Notifications are enabled on an S3 bucket.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-lifecycle-policy-check': {
    identifier: 'S3_LIFECYCLE_POLICY_CHECK',
    severity: 'LOW',
    description:
      'Checks if a lifecycle rule is configured for an Amazon Simple Storage Service (Amazon S3) bucket.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-resources-protected-by-backup-plan': {
    identifier: 'S3_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Simple Storage Service (Amazon S3) buckets are protected by a backup plan.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  's3-version-lifecycle-policy-check': {
    identifier: 'S3_VERSION_LIFECYCLE_POLICY_CHECK',
    severity: 'LOW',
    description:
      'Checks if Amazon Simple Storage Service (Amazon S3) version enabled buckets have lifecycle policy configured.',
    resourceTypes: ['AWS::S3::Bucket'],
  },
  'sagemaker-endpoint-configuration-kms-key-configured': {
    identifier: 'SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED',
    severity: 'HIGH',
    description:
      'Checks whether AWS Key Management Service (KMS) key is configured for an Amazon SageMaker endpoint configuration.',
  },
  'sagemaker-notebook-instance-kms-key-configured': {
    identifier: 'SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED',
    severity: 'HIGH',
    description:
      'Check whether an AWS Key Management Service (KMS) key is configured for an Amazon SageMaker notebook instance.',
  },
  'sagemaker-notebook-no-direct-internet-access': {
    identifier: 'SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS',
    severity: 'HIGH',
    description:
      'Checks whether direct internet access is disabled for an Amazon SageMaker notebook instance.',
  },
  'secretsmanager-rotation-enabled-check': {
    identifier: 'SECRETSMANAGER_ROTATION_ENABLED_CHECK',
    severity: 'MEDIUM',
    description: 'Checks if AWS Secrets Manager secret has rotation enabled.',
    resourceTypes: ['AWS::SecretsManager::Secret'],
  },
  'secretsmanager-scheduled-rotation-success-check': {
    identifier: 'SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK',
    severity: 'MEDIUM',
    description:
      'Checks if AWS Secrets Manager secrets rotated successfully according to the rotation schedule.',
    resourceTypes: ['AWS::SecretsManager::Secret'],
  },
  'secretsmanager-secret-periodic-rotation': {
    identifier: 'SECRETSMANAGER_SECRET_PERIODIC_ROTATION',
    severity: 'MEDIUM',
    description:
      'Checks if AWS Secrets Manager secrets have been rotated in the past specified number of days.',
  },
  'secretsmanager-secret-unused': {
    identifier: 'SECRETSMANAGER_SECRET_UNUSED',
    severity: 'MEDIUM',
    description:
      'Checks if AWS Secrets Manager secrets have been accessed within a specified number of days.',
  },
  'secretsmanager-using-cmk': {
    identifier: 'SECRETSMANAGER_USING_CMK',
    severity: 'HIGH',
    description:
      'Checks if all secrets in AWS Secrets Manager are encrypted using the AWS managed key (aws/secretsmanager) or a customer managed key that was created in AWS Key Management Service (AWS KMS).',
    resourceTypes: ['AWS::SecretsManager::Secret'],
  },
  'securityhub-enabled': {
    identifier: 'SECURITYHUB_ENABLED',
    severity: 'HIGH',
    description: 'Checks that AWS Security Hub is enabled for an AWS Account.',
  },
  'sns-encrypted-kms': {
    identifier: 'SNS_ENCRYPTED_KMS',
    severity: 'HIGH',
    description: 'Checks if Amazon SNS topic is encrypted with AWS Key Management Service (AWS KMS).',
    resourceTypes: ['AWS::SNS::Topic'],
  },
  'sns-topic-message-delivery-notification-enabled': {
    identifier: 'SNS_TOPIC_MESSAGE_DELIVERY_NOTIFICATION_ENABLED',
    severity: 'LOW',
    description:
      'Checks if Amazon Simple Notification Service (SNS) logging is enabled for the delivery status of notification messages sent to a topic for the endpoints.',
    resourceTypes: ['AWS::SNS::Topic'],
  },
  'ssm-document-not-public': {
    identifier: 'SSM_DOCUMENT_NOT_PUBLIC',
    severity: 'CRITICAL',
    description: 'Checks if AWS Systems Manager documents owned by the account are public.',
  },
  'subnet-auto-assign-public-ip-disabled': {
    identifier: 'SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED',
    severity: 'MEDIUM',
    description:
      'Checks if Amazon Virtual Private Cloud (Amazon VPC) subnets are assigned a public IP address.',
    resourceTypes: ['AWS::EC2::Subnet'],
  },
  'vpc-default-security-group-closed': {
    identifier: 'VPC_DEFAULT_SECURITY_GROUP_CLOSED',
    severity: 'HIGH',
    description:
      'Checks if the default security group of any Amazon Virtual Private Cloud (VPC) does not allow inbound or outbound traffic.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  'vpc-flow-logs-enabled': {
    identifier: 'VPC_FLOW_LOGS_ENABLED',
    severity: 'HIGH',
    description:
      'Checks whether Amazon Virtual Private Cloud flow logs are found and enabled for Amazon VPC.',
  },
  'vpc-network-acl-unused-check': {
    identifier: 'VPC_NETWORK_ACL_UNUSED_CHECK',
    severity: 'INFORMATIONAL',
    description: 'Checks if there are unused network access control lists (network ACLs).',
    resourceTypes: ['AWS::EC2::NetworkAcl'],
  },
  'vpc-sg-open-only-to-authorized-ports': {
    identifier: 'VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS',
    severity: 'CRITICAL',
    description:
      'Checks whether any security groups with inbound 0.0.0.0/0 have TCP or UDP ports accessible.',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
  },
  'vpc-vpn-2-tunnels-up': {
    identifier: 'VPC_VPN_2_TUNNELS_UP',
    severity: 'LOW',
    description: 'Checks that both VPN tunnels provided by AWS Site-to-Site VPN are in UP status.',
    resourceTypes: ['AWS::EC2::VPNConnection'],
  },
  'waf-regional-rule-not-empty': {
    identifier: 'WAF_REGIONAL_RULE_NOT_EMPTY',
    severity: 'LOW',
    description: 'Checks whether WAF regional rule contains conditions.',
    resourceTypes: ['AWS::WAFRegional::Rule'],
  },
  'waf-regional-rulegroup-not-empty': {
    identifier: 'WAF_REGIONAL_RULEGROUP_NOT_EMPTY',
    severity: 'LOW',
    description: 'Checks if WAF Regional rule groups contain any rules.',
    resourceTypes: ['AWS::WAFRegional::RuleGroup'],
  },
  'waf-regional-webacl-not-empty': {
    identifier: 'WAF_REGIONAL_WEBACL_NOT_EMPTY',
    severity: 'LOW',
    description: 'Checks if a WAF regional Web ACL contains any WAF rules or rule groups.',
    resourceTypes: ['AWS::WAFRegional::WebACL'],
  },
  'wafv2-logging-enabled': {
    identifier: 'WAFV2_LOGGING_ENABLED',
    severity: 'HIGH',
    description:
      'Checks whether logging is enabled on AWS Web Application Firewall (WAFV2) regional and global web access control list (ACLs).',
  },
};

const DOCS = 'https://docs.aws.amazon.com/config/latest/developerguide/';

const BY_NAME: ReadonlyMap<string, ManagedRule> = new Map(
  Object.entries(ENTRIES).map(([name, entry]): [string, ManagedRule] => {
    const rule: ManagedRule = {
      name,
      identifier: entry.identifier,
      description: entry.description,
      severity: entry.severity,
      remediation: `${DOCS}${name}.html`,
      ...(entry.resourceTypes ? { resourceTypes: Object.freeze([...entry.resourceTypes]) } : {}),
    };
    return [name, Object.freeze(rule)];
  }),
);

/** The catalog, keyed by default rule name, in alphabetical order. */
export const MANAGED_RULES: Readonly<Record<string, ManagedRule>> = Object.freeze(
  Object.fromEntries(BY_NAME),
);

/**
 * The catalog entry of a rule name as deployed: the name itself, or a conformance pack's
 * `<name>-conformance-pack-<suffix>`. Undefined for rules the catalog does not know.
 */
export function managedRule(ruleName: string): ManagedRule | undefined {
  return BY_NAME.get(baseRuleName(ruleName));
}

export interface RuleSeverity {
  readonly severity: Severity;
  /** Where it came from: the configuration's overrides, the catalog, or the default of unknown rules. */
  readonly source: 'override' | 'catalog' | 'default';
}

/**
 * The severity of a rule name as deployed: the configuration's override of its base name, else the
 * catalog's default, else {@link DEFAULT_SEVERITY}.
 */
export function severityOf(ruleName: string, overrides?: Readonly<Record<string, Severity>>): RuleSeverity {
  const base = baseRuleName(ruleName);
  if (overrides && Object.hasOwn(overrides, base)) {
    const severity = overrides[base];
    if (severity !== undefined) return { severity, source: 'override' };
  }
  const entry = BY_NAME.get(base);
  if (entry) return { severity: entry.severity, source: 'catalog' };
  return { severity: DEFAULT_SEVERITY, source: 'default' };
}

/** Orders severities most severe first: negative when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}
