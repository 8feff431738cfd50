/**
 * The dashboard in AWS: the repository's `dashboard/` (the page `config-monitor up` serves on
 * 127.0.0.1) in a private S3 bucket behind CloudFront, and sign-in through a Cognito user pool
 * (hosted UI, authorization code grant with PKCE, optional SAML or OIDC federation). Not to be
 * confused with ./dashboard.ts, the CloudWatch dashboard of the operators.
 *
 * A generated `config.json` next to index.html tells the page where the API and the hosted UI are
 * ({@link DashboardRuntimeConfig}); docs/deploy.md "Dashboard in AWS" describes it.
 */
import { type CfnResource, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { contentSecurityPolicy } from '../../src/api/csp.js';
import type { MonitorConfig } from '../config.js';
import { REPO_ROOT } from '../lambda-defaults.js';
import { acknowledge, arnWildcardFinding, fileAssetsWildcardFinding } from '../nag.js';

/** The repository's `dashboard/` folder, the same files the local server serves. */
export const DASHBOARD_SOURCE_DIR = `${REPO_ROOT}/dashboard`;
/** Name of the generated runtime configuration, beside index.html (`./config.json` from app.js). */
export const DASHBOARD_CONFIG_FILE = 'config.json';
/** OAuth scopes the app client allows and the page asks for. */
export const DASHBOARD_OAUTH_SCOPES = ['openid', 'email', 'profile'] as const;

/** What the page reads from `./config.json` (only in AWS; the local server has no such file). */
export interface DashboardRuntimeConfig {
  /** Base URL of the dashboard API stage, ending in `/` (`https://<id>.execute-api.<region>.amazonaws.com/v1/`). */
  readonly apiUrl: string;
  readonly region: string;
  readonly auth: {
    /** Hosted UI base URL (`https://<prefix>.auth.<region>.amazoncognito.com`): `/oauth2/authorize`, `/oauth2/token`, `/logout`. */
    readonly domain: string;
    /** Public app client (no secret): the authorization code grant with PKCE. */
    readonly clientId: string;
    readonly userPoolId: string;
    readonly scopes: readonly string[];
    /** The federated provider's name for `identity_provider=` (skips the hosted UI's choice), or null. */
    readonly identityProvider: string | null;
  };
}

export type DashboardFederation = NonNullable<MonitorConfig['dashboard']['federation']>;

export interface DashboardHostingProps {
  /** Resource-name prefix of the stage (`config-monitor-<stage>`). */
  readonly prefix: string;
  /** Hosted UI domain prefix (globally unique in the region). */
  readonly domainPrefix: string;
  readonly mfa: MonitorConfig['dashboard']['mfa'];
  /** Plus feature plan with threat protection in full-function mode; else Essentials. */
  readonly threatProtection: boolean;
  readonly customDomain?: MonitorConfig['dashboard']['customDomain'];
  readonly federation?: DashboardFederation;
  /** The stack's server-access-log bucket (SSE-S3); the dashboard bucket logs under `dashboard/`. */
  readonly accessLogsBucket: s3.IBucket;
  /** Base URL of the dashboard API stage (written to config.json). */
  readonly apiUrl: string;
  /** Origin of the dashboard API (`https://<id>.execute-api.<region>.amazonaws.com`), for the CSP. */
  readonly apiOrigin: string;
  /** Of the user pool (its users are data); the bucket only holds files rebuilt from the repository. */
  readonly userPoolRemovalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** @default DASHBOARD_SOURCE_DIR */
  readonly sourceDir?: string;
}

/**
 * Private bucket (block public access, TLS only, SSE-S3, server access logs), CloudFront with
 * origin access control (the bucket policy lets only this distribution read), a response headers
 * policy with HSTS, nosniff, frame DENY, no-referrer and the page's CSP, HTTPS only; the Cognito
 * user pool with its hosted UI domain and app client; the files deployed with config.json.
 */
export class DashboardHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headersPolicy: cloudfront.ResponseHeadersPolicy;
  readonly userPool: cognito.UserPool;
  readonly userPoolDomain: cognito.UserPoolDomain;
  readonly client: cognito.UserPoolClient;
  readonly identityProvider?: cognito.IUserPoolIdentityProvider;
  readonly deployment: s3deploy.BucketDeployment;
  /** What the deployment writes to `config.json` (CloudFormation tokens until deploy time). */
  readonly runtimeConfig: DashboardRuntimeConfig;
  /** `https://<name>/`: the custom domain when configured, else the CloudFront domain. */
  readonly url: string;
  /**
   * Every origin the page is served from: the one of {@link url} first (the custom domain when
   * configured, which API Gateway's own error responses name), then the CloudFront domain.
   */
  readonly origins: readonly string[];

  constructor(scope: Construct, id: string, props: DashboardHostingProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-S3: CloudFront's OAC reads it without a KMS key policy grant.
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'dashboard/',
      // Uploads the deployment abandoned (a failed copy) are not left to be billed.
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Only the repository's static files (redeployed by every `cdk deploy`), no versions kept:
      // the deployment's delete empties it and the stack removes it.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Sign-in: the pool's own users (created by an administrator) and, optionally, federation.
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-dashboard`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      mfa: props.mfa === 'REQUIRED' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: props.threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(props.threatProtection
        ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      userInvitation: {
        emailSubject: 'Your config-monitor dashboard account',
        emailBody:
          'You can sign in to the config-monitor dashboard as {username} with the temporary password {####}; you will choose a new password and set up an authenticator app.',
      },
      deletionProtection: props.userPoolRemovalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.userPoolRemovalPolicy,
    });
    this.userPoolDomain = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
    });
    if (props.federation) this.identityProvider = this.addFederation(props.federation);

    const cognitoOrigin = this.userPoolDomain.baseUrl();
    this.headersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: `${props.prefix}-dashboard`,
      comment: 'config-monitor dashboard: HSTS, nosniff, frame DENY, no-referrer and the page CSP',
      // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
      securityHeadersBehavior: {
        // The local server's policy (src/api/csp.ts) plus the two cross-origin endpoints the page
        // calls with fetch: the dashboard API and the hosted UI's token endpoint.
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy([props.apiOrigin, cognitoOrigin]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    const custom = props.customDomain;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${props.prefix} dashboard`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        // OAC: CloudFront signs its requests (SigV4) and the bucket policy names this distribution.
        // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headersPolicy,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      // A TLS floor can only be set with a custom certificate; the default *.cloudfront.net
      // certificate keeps CloudFront's own policy.
      // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
      ...(custom
        ? {
            domainNames: [custom.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });

    const cloudFrontOrigin = `https://${this.distribution.distributionDomainName}`;
    this.origins = custom ? [`https://${custom.domainName}`, cloudFrontOrigin] : [cloudFrontOrigin];
    this.url = `${custom ? `https://${custom.domainName}` : cloudFrontOrigin}/`;
    const pageUrls = this.origins.map((o) => `${o}/`);

    // A public client: no secret, the authorization code grant; Cognito checks PKCE's
    // code_verifier when the authorize request carried a code_challenge.
    // https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html
    this.client = this.userPool.addClient('Client', {
      userPoolClientName: `${props.prefix}-dashboard`,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: pageUrls,
        logoutUrls: pageUrls,
      },
      supportedIdentityProviders: [
        cognito.UserPoolClientIdentityProvider.COGNITO,
        ...(this.identityProvider
          ? [cognito.UserPoolClientIdentityProvider.custom(this.identityProvider.providerName)]
          : []),
      ],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    if (this.identityProvider) this.client.node.addDependency(this.identityProvider);

    this.runtimeConfig = {
      apiUrl: props.apiUrl,
      region,
      auth: {
        domain: cognitoOrigin,
        clientId: this.client.userPoolClientId,
        userPoolId: this.userPool.userPoolId,
        scopes: [...DASHBOARD_OAUTH_SCOPES],
        identityProvider: props.federation?.name ?? null,
      },
    };
    const deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Files', {
      sources: [
        s3deploy.Source.asset(props.sourceDir ?? DASHBOARD_SOURCE_DIR, { exclude: [DASHBOARD_CONFIG_FILE] }),
        s3deploy.Source.jsonData(DASHBOARD_CONFIG_FILE, this.runtimeConfig),
      ],
      destinationBucket: this.bucket,
      // Browsers revalidate every file (as from the local server), and CloudFront keeps a no-cache
      // object for the cache policy's minimum TTL only (1 s in CachingOptimized), so a deploy shows
      // within a second without an invalidation, whose IAM action the deployment would get on "*".
      // https://docs.aws.amazon.com/AmazonCloudFront/latest/APIReference/API_CachePolicyConfig.html
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: true,
      retainOnDelete: false,
      memoryLimit: 512,
      logGroup: deploymentLogs,
    });

    this.acknowledgeFindings(props);
  }

  private addFederation(federation: DashboardFederation): cognito.IUserPoolIdentityProvider {
    if (federation.type === 'SAML') {
      return new cognito.UserPoolIdentityProviderSaml(this, 'Federation', {
        userPool: this.userPool,
        name: federation.name,
        metadata: cognito.UserPoolIdentityProviderSamlMetadata.url(federation.metadataUrl),
        attributeMapping: {
          email: cognito.ProviderAttribute.other(
            'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
          ),
        },
      });
    }
    return new cognito.UserPoolIdentityProviderOidc(this, 'Federation', {
      userPool: this.userPool,
      name: federation.name,
      issuerUrl: federation.issuer,
      clientId: federation.clientId,
      // A CloudFormation dynamic reference: the secret is read at deploy time, never in the template.
      clientSecret: SecretValue.secretsManager(federation.clientSecretName).unsafeUnwrap(),
      scopes: ['openid', 'email', 'profile'],
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      attributeMapping: { email: cognito.ProviderAttribute.other('email') },
    });
  }

  private acknowledgeFindings(props: DashboardHostingProps): void {
    // The CDK's deployment function (a singleton at the stack's root): it copies the asset zip
    // into the bucket when the stack is deployed, nothing else.
    const copier = this.deployment.handlerRole.node.scope ?? this.deployment.handlerRole;
    acknowledge(
      copier,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The CDK BucketDeployment function is built with the AWS managed basic execution role (CloudWatch Logs only); its role cannot be replaced without forking the construct.',
    );
    acknowledge(
      copier,
      fileAssetsWildcardFinding(this),
      "BucketDeployment reads the dashboard's zip from the CDK file-asset bucket (objects of that one bucket, written by cdk deploy).",
    );
    acknowledge(
      copier,
      arnWildcardFinding(this.bucket.node.defaultChild as CfnResource, '/*'),
      'BucketDeployment writes and prunes the objects of the dashboard bucket only; every object there is a copy of dashboard/.',
    );
    acknowledge(
      copier,
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'Prune (delete files no longer in dashboard/) on the dashboard bucket only: the CDK grant uses the s3:DeleteObject* group.',
    );
    acknowledge(
      copier,
      'Serverless-LambdaDLQ',
      'A CloudFormation custom resource handler invoked synchronously: a failure fails the deployment, which CloudFormation reports and rolls back; there is no event to keep.',
    );
    acknowledge(
      copier,
      'Serverless-LambdaTracing',
      'The CDK BucketDeployment handler runs once per deployment (an S3 copy); its log group holds its output, a trace would add nothing.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'The dashboard is for the organization wherever its people are; sign-in (Cognito) and the API authorizer, not geography, decide who sees data. The distribution only serves static files.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'The distribution serves only the static page (GET/HEAD from a private bucket); data is behind the Cognito-authorized API. Attach a WAF web ACL if the organization requires one on every public endpoint.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Only public static files are served (no data); standard logging needs an ACL-enabled bucket, which the stack avoids. The data requests are logged in the dashboard API access log.',
    );
    if (!props.customDomain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without dashboard.customDomain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront sets and which cannot carry a minimum protocol version; configure a custom domain and ACM certificate to get TLSv1.2_2021.',
      );
    }
    if (props.mfa !== 'REQUIRED') {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG2',
        'MFA is optional by configuration (dashboard.mfa: OPTIONAL), for example when every user signs in through the federated identity provider, which enforces its own MFA.',
      );
    }
    if (!props.threatProtection) {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'Threat protection needs the Plus feature plan, billed per monthly active user; this stage keeps Essentials (dashboard.threatProtection: false): no self sign-up, administrator-created users, a 14-character password policy and TOTP MFA.',
      );
    }
  }
}
