/**
 * The hosted dashboard of the master stack (infra/constructs/dashboard-hosting.ts and the dashboard
 * API of infra/constructs/api.ts): private bucket behind CloudFront with OAC and the page's CSP,
 * Cognito sign-in, the Cognito authorizer on the read routes the page calls, and what
 * `config.dashboard` turns on and off. Every variant passes cdk-nag.
 */
import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_READ_ROUTES } from '../../infra/constructs/api.js';
import { DASHBOARD_SOURCE_DIR } from '../../infra/constructs/dashboard-hosting.js';
import { createApiApp } from '../../src/api/app.js';
import { DASHBOARD_ORIGINS_ENV } from '../../src/api/cors.js';
import { contentSecurityPolicy } from '../../src/api/csp.js';
import type { QueryEngine } from '../../src/ports/query-engine.js';
import { nagFindings, type Synthesized, synthesize, testConfigInput } from './synth.js';

type Resource = { Type: string; Properties: Record<string, any> };

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const SAML = { type: 'SAML', name: 'Corp', metadataUrl: 'https://idp.example.com/saml/metadata.xml' };
const OIDC = {
  type: 'OIDC',
  name: 'Corp-OIDC',
  issuer: 'https://login.example.com/tenant/v2.0',
  clientId: 'config-monitor',
  clientSecretName: 'config-monitor/test/oidc-client-secret',
};

/** The full test configuration without `dashboardUrl`: the hosted dashboard's URL is the link. */
function defaultInput(dashboard: Record<string, unknown> = {}): Record<string, unknown> {
  const { dashboardUrl: _link, ...input } = testConfigInput({ dashboard });
  return input;
}

function resourcesOf(template: Template): Record<string, Resource> {
  return template.toJSON().Resources;
}

function ofType(template: Template, type: string): [string, Resource][] {
  return Object.entries(resourcesOf(template)).filter(([, r]) => r.Type === type);
}

function only(template: Template, type: string): [string, Resource] {
  const all = ofType(template, type);
  expect(all, type).toHaveLength(1);
  return all[0] as [string, Resource];
}

function logicalId(synth: Synthesized, construct: { node: { defaultChild?: unknown } }): string {
  return synth.master.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** A CloudFormation string value with `Ref`s and `GetAtt`s written as `{Id}` / `{Id.Attr}`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref) return `{${v.Ref}}`;
  if (v['Fn::GetAtt']) return `{${v['Fn::GetAtt'].join('.')}}`;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(text).join(v['Fn::Join'][0]);
  throw new Error(`not a string value: ${JSON.stringify(value)}`);
}

/** Environment variables of the function behind an L2 construct. */
function environmentOf(
  synth: Synthesized,
  fn: { node: { defaultChild?: unknown } },
): Record<string, unknown> {
  const resource = resourcesOf(synth.masterTemplate)[logicalId(synth, fn)] as Resource;
  return resource.Properties.Environment.Variables;
}

let synth: Synthesized;
let template: Template;
let distributionId: string;
let cloudFrontUrl: string;

beforeAll(() => {
  synth = synthesize(defaultInput());
  template = synth.masterTemplate;
  const hosting = synth.master.dashboardHosting;
  if (!hosting) throw new Error('the default configuration hosts the dashboard');
  distributionId = logicalId(synth, hosting.distribution);
  cloudFrontUrl = `https://{${distributionId}.DomainName}/`;
});

describe('bucket', () => {
  it('blocks every kind of public access and encrypts at rest', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { LogFilePrefix: 'dashboard/', DestinationBucketName: Match.anyValue() },
    });
  });

  it('denies requests without TLS and lets only this distribution read, through OAC', () => {
    const bucketId = logicalId(synth, synth.master.dashboardHosting!.bucket);
    const [, policy] = ofType(template, 'AWS::S3::BucketPolicy').find(
      ([, p]) => p.Properties.Bucket.Ref === bucketId,
    ) as [string, Resource];
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
    });
    expect(text(allows[0]?.Condition.StringEquals['AWS:SourceArn'])).toMatch(
      new RegExp(`:distribution/\\{${distributionId}\\}$`),
    );
  });
});

describe('distribution', () => {
  it('reaches the bucket with origin access control (SigV4), not a public website or OAI', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
    const [origin] = distribution.Properties.DistributionConfig.Origins;
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(text(origin.DomainName)).toMatch(/RegionalDomainName\}$/);
  });

  it('redirects HTTP to HTTPS, serves GET/HEAD only, index.html at / and the headers policy', () => {
    const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
    const [policyId] = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(distribution.Properties.DistributionConfig).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        ResponseHeadersPolicyId: { Ref: policyId },
      },
    });
  });

  it("sends the page's CSP with the dashboard API and the Cognito domain in connect-src, and the security headers", () => {
    const [, policy] = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const apiId = logicalId(synth, synth.master.api.dashboardRestApi!);
    const domainId = synth.master.getLogicalId(
      synth.master.dashboardHosting!.userPoolDomain.node.defaultChild as CfnElement,
    );

    // The local server's policy (src/api/csp.ts) with the two cross-origin endpoints the page calls.
    expect(headers.ContentSecurityPolicy.Override).toBe(true);
    expect(text(headers.ContentSecurityPolicy.ContentSecurityPolicy)).toBe(
      contentSecurityPolicy([
        `https://{${apiId}}.execute-api.eu-west-1.{AWS::URLSuffix}`,
        `https://{${domainId}}.auth.eu-west-1.amazoncognito.com`,
      ]),
    );
    expect(headers).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Override: true,
      },
    });
  });

  it('uses the default *.cloudfront.net certificate without a custom domain (no aliases)', () => {
    const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties.DistributionConfig.Aliases).toBeUndefined();
    expect(distribution.Properties.DistributionConfig.ViewerCertificate).toBeUndefined();
  });
});

describe('sign-in (Cognito)', () => {
  it('has a user pool without self sign-up, with TOTP MFA required and a strong password policy', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UsernameAttributes: ['email'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
      UserPoolTier: 'ESSENTIALS',
      // retainData: the users are kept.
      DeletionProtection: 'ACTIVE',
    });
  });

  it('serves the hosted UI on a prefix derived from the stage and account', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'config-monitor-test-123456789012',
    });
  });

  it('has a public app client (no secret) with the code grant only, calling back to the CloudFront URL', () => {
    const [, client] = only(template, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(client.Properties.CallbackURLs.map(text)).toEqual([cloudFrontUrl]);
    expect(client.Properties.LogoutURLs.map(text)).toEqual([cloudFrontUrl]);
  });

  it('tells the page where the API and the hosted UI are (config.json)', () => {
    const hosting = synth.master.dashboardHosting!;
    const config = synth.master.resolve(hosting.runtimeConfig) as Record<string, any>;
    const apiId = logicalId(synth, synth.master.api.dashboardRestApi!);
    expect(text(config.apiUrl)).toMatch(
      new RegExp(
        `^https://\\{${apiId}\\}\\.execute-api\\.eu-west-1\\.\\{AWS::URLSuffix\\}/\\{.*Stage.*\\}/$`,
      ),
    );
    expect(config).toMatchObject({
      region: 'eu-west-1',
      auth: {
        clientId: { Ref: logicalId(synth, hosting.client) },
        userPoolId: { Ref: logicalId(synth, hosting.userPool) },
        scopes: ['openid', 'email', 'profile'],
        identityProvider: null,
      },
    });
    expect(text(config.auth.domain)).toMatch(
      /^https:\/\/\{.*HostedUi.*\}\.auth\.eu-west-1\.amazoncognito\.com$/,
    );
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: true,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
  });
});

describe('dashboard API', () => {
  const methods = () =>
    ofType(template, 'AWS::ApiGateway::Method').filter(([, m]) =>
      /^ApiDashboardRestApi/.test(m.Properties.RestApiId.Ref),
    );

  /** `/compliance/summary` of an API Gateway resource, from its PathPart chain. */
  function pathOf(resourceId: string): string {
    const resources = resourcesOf(template);
    const parts: string[] = [];
    let id: string | undefined = resourceId;
    while (id && resources[id]?.Type === 'AWS::ApiGateway::Resource') {
      const props: Record<string, any> = (resources[id] as Resource).Properties;
      parts.unshift(props.PathPart);
      id = props.ParentId.Ref;
    }
    return `/${parts.join('/')}`;
  }

  it.each(DASHBOARD_READ_ROUTES)('routes GET %s with the Cognito authorizer of the user pool', (route) => {
    const [authorizerId, authorizer] = only(template, 'AWS::ApiGateway::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [logicalId(synth, synth.master.dashboardHosting!.userPool), 'Arn'] }],
    });
    const get = methods().find(
      ([, m]) => m.Properties.HttpMethod === 'GET' && pathOf(m.Properties.ResourceId.Ref) === route,
    );
    expect(get, `GET ${route}`).toBeDefined();
    expect(get?.[1].Properties).toMatchObject({
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizerId: { Ref: authorizerId },
      Integration: { Type: 'AWS_PROXY' },
    });
  });

  it('routes nothing else: no proxy resource, only the read routes and their CORS preflights', () => {
    const all = methods();
    const gets = all.filter(([, m]) => m.Properties.HttpMethod === 'GET');
    expect(gets).toHaveLength(DASHBOARD_READ_ROUTES.length);
    for (const [, m] of all.filter(([, m]) => m.Properties.HttpMethod !== 'GET')) {
      expect(m.Properties).toMatchObject({ HttpMethod: 'OPTIONS', Integration: { Type: 'MOCK' } });
    }
    const dashboardProxy = ofType(template, 'AWS::ApiGateway::Resource').filter(
      ([id, r]) => id.startsWith('ApiDashboardRestApi') && r.Properties.PathPart === '{proxy+}',
    );
    expect(dashboardProxy).toEqual([]);
  });

  it('keeps AWS_IAM on every method of the IAM API for tools and scripts', () => {
    const iam = ofType(template, 'AWS::ApiGateway::Method').filter(([, m]) =>
      /^ApiRestApi/.test(m.Properties.RestApiId.Ref),
    );
    expect(iam.length).toBeGreaterThan(0);
    for (const [, m] of iam) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('allows CORS from the CloudFront origin only, in the preflight, the gateway errors and the function', () => {
    const origin = cloudFrontUrl.slice(0, -1);
    for (const [, m] of methods().filter(([, m]) => m.Properties.HttpMethod === 'OPTIONS')) {
      const [response] = m.Properties.Integration.IntegrationResponses;
      expect(text(response.ResponseParameters['method.response.header.Access-Control-Allow-Origin'])).toBe(
        `'${origin}'`,
      );
    }
    // The dashboard API's two gateway responses carry it; the IAM API's 503 does not need it.
    const withCors = ofType(template, 'AWS::ApiGateway::GatewayResponse').filter(
      ([, r]) => r.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'],
    );
    expect(withCors).toHaveLength(2);
    for (const [, r] of withCors) {
      expect(
        text(r.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin']),
      ).toBe(`'${origin}'`);
    }
    expect(text(environmentOf(synth, synth.master.api.function)[DASHBOARD_ORIGINS_ENV])).toBe(origin);
  });

  it('covers every path dashboard/app.js requests, and each is a GET route of the Hono app', () => {
    // Prepare
    const page = readFileSync(`${DASHBOARD_SOURCE_DIR}/app.js`, 'utf8');
    const requested = new Set([...page.matchAll(/\bapi\('(\/[^'?]*)'/g)].map((m) => m[1]));
    const unused = () => {
      throw new Error('not called');
    };
    const engine: QueryEngine = {
      name: 'duckdb',
      execute: unused,
      poll: unused,
      close: async () => undefined,
    };
    const app = createApiApp({
      events: { page: unused },
      syncStatus: { latest: unused },
      queryEngine: engine,
    });
    const honoGets = new Set(app.routes.filter((r) => r.method === 'GET').map((r) => r.path));

    // Assess
    expect(requested.size).toBeGreaterThan(0);
    for (const path of requested) expect(DASHBOARD_READ_ROUTES as readonly string[]).toContain(path);
    for (const route of DASHBOARD_READ_ROUTES) expect(honoGets).toContain(route.replace(/\{(\w+)\}/g, ':$1'));
  });
});

describe('stack wiring', () => {
  it('links Slack messages to the CloudFront URL when dashboardUrl is not set', () => {
    for (const fn of [synth.master.notifier.function, synth.master.reporting.function]) {
      expect(text(environmentOf(synth, fn).DASHBOARD_URL)).toBe(cloudFrontUrl);
    }
  });

  it('keeps a configured dashboardUrl for the Slack links', () => {
    const linked = synthesize(testConfigInput());
    for (const fn of [linked.master.notifier.function, linked.master.reporting.function]) {
      expect(environmentOf(linked, fn).DASHBOARD_URL).toBe('https://dashboard.example.com');
    }
    expect(nagFindings(linked.app)).toEqual([]);
  });

  it('outputs the dashboard URL, its CloudFront domain, the user pool id, the hosted UI and the dashboard API URL', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(text(outputs.DashboardUrl?.Value)).toBe(cloudFrontUrl);
    expect(outputs.DashboardDistributionDomainName?.Value).toEqual({
      'Fn::GetAtt': [distributionId, 'DomainName'],
    });
    expect(outputs.DashboardUserPoolId?.Value).toEqual({
      Ref: logicalId(synth, synth.master.dashboardHosting!.userPool),
    });
    expect(text(outputs.DashboardSignInDomain?.Value)).toMatch(/\.auth\.eu-west-1\.amazoncognito\.com$/);
    expect(text(outputs.DashboardApiUrl?.Value)).toMatch(/^https:\/\/\{ApiDashboardRestApi.*execute-api/);
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });
});

describe('dashboard.enabled: false', () => {
  let off: Synthesized;
  beforeAll(() => {
    off = synthesize(defaultInput({ enabled: false }));
  });

  it('deploys no bucket, distribution, user pool, authorizer or second API', () => {
    const t = off.masterTemplate;
    expect(off.master.dashboardHosting).toBeUndefined();
    for (const type of [
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::ResponseHeadersPolicy',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolClient',
      'AWS::Cognito::UserPoolDomain',
      'AWS::ApiGateway::Authorizer',
      'Custom::CDKBucketDeployment',
    ]) {
      t.resourceCountIs(type, 0);
    }
    // Only the IAM API's 503 for what API Gateway answers itself.
    t.resourceCountIs('AWS::ApiGateway::GatewayResponse', 1);
    t.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    expect(Object.keys(t.toJSON().Outputs)).not.toContain('DashboardUrl');
  });

  it('leaves the API function without CORS origins and Slack messages without a dashboard link', () => {
    expect(environmentOf(off, off.master.api.function)[DASHBOARD_ORIGINS_ENV]).toBeUndefined();
    expect(environmentOf(off, off.master.notifier.function).DASHBOARD_URL).toBeUndefined();
    expect(environmentOf(off, off.master.reporting.function).DASHBOARD_URL).toBeUndefined();
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(off.app)).toEqual([]);
  });
});

describe('custom domain, SAML federation, optional MFA and threat protection', () => {
  let custom: Synthesized;
  beforeAll(() => {
    custom = synthesize(
      defaultInput({
        mfa: 'OPTIONAL',
        threatProtection: true,
        domainPrefix: 'acme-compliance',
        customDomain: { domainName: 'monitor.example.com', certificateArn: CERTIFICATE },
        federation: SAML,
      }),
    );
  });

  it('serves the custom domain with its certificate and TLSv1.2_2021', () => {
    const [, distribution] = only(custom.masterTemplate, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties.DistributionConfig).toMatchObject({
      Aliases: ['monitor.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: CERTIFICATE,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
    });
  });

  it('accepts sign-in callbacks and CORS on both origins, and links Slack to the custom domain', () => {
    const t = custom.masterTemplate;
    const distributionOf = logicalId(custom, custom.master.dashboardHosting!.distribution);
    const [, client] = only(t, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties.CallbackURLs.map(text)).toEqual([
      'https://monitor.example.com/',
      `https://{${distributionOf}.DomainName}/`,
    ]);
    expect(text(environmentOf(custom, custom.master.api.function)[DASHBOARD_ORIGINS_ENV])).toBe(
      `https://monitor.example.com,https://{${distributionOf}.DomainName}`,
    );
    expect(environmentOf(custom, custom.master.notifier.function).DASHBOARD_URL).toBe(
      'https://monitor.example.com/',
    );
  });

  it('creates the SAML provider from its metadata URL and offers it on the app client', () => {
    const t = custom.masterTemplate;
    const [providerId] = only(t, 'AWS::Cognito::UserPoolIdentityProvider');
    t.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderType: 'SAML',
      ProviderName: 'Corp',
      ProviderDetails: Match.objectLike({ MetadataURL: SAML.metadataUrl }),
      AttributeMapping: { email: Match.stringLikeRegexp('emailaddress$') },
    });
    const [, client] = only(t, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: providerId }]);
    const config = custom.master.resolve(custom.master.dashboardHosting!.runtimeConfig) as Record<
      string,
      any
    >;
    expect(config.auth.identityProvider).toBe('Corp');
  });

  it('uses the configured domain prefix, optional MFA and the Plus plan with threat protection enforced', () => {
    const t = custom.masterTemplate;
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-compliance' });
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(custom.app)).toEqual([]);
  });
});

describe('OIDC federation', () => {
  let oidc: Synthesized;
  beforeAll(() => {
    oidc = synthesize(defaultInput({ federation: OIDC }));
  });

  it('creates the OIDC provider with the client secret as a Secrets Manager reference, never in the template', () => {
    oidc.masterTemplate.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderType: 'OIDC',
      ProviderName: 'Corp-OIDC',
      ProviderDetails: Match.objectLike({
        client_id: 'config-monitor',
        client_secret: `{{resolve:secretsmanager:${OIDC.clientSecretName}:SecretString:::}}`,
        oidc_issuer: OIDC.issuer,
        authorize_scopes: 'openid email profile',
      }),
    });
    const [providerId] = only(oidc.masterTemplate, 'AWS::Cognito::UserPoolIdentityProvider');
    const [, client] = only(oidc.masterTemplate, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: providerId }]);
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
    expect(nagFindings(oidc.app)).toEqual([]);
  });
});

describe('minimal configuration (data not retained)', () => {
  it('lets the user pool be deleted with the stack', () => {
    const minimal = synthesize({
      stage: 'min',
      master: { account: '123456789012', region: 'us-east-1' },
      organizationId: 'o-a1b2c3d4e5',
      slack: { alertsWebhookSecretName: 'config-monitor/min/slack' },
      retainData: false,
    });
    minimal.masterTemplate.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });
});
