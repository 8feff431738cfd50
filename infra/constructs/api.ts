import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DASHBOARD_CORS_HEADERS,
  DASHBOARD_CORS_MAX_AGE_SECONDS,
  DASHBOARD_CORS_METHODS,
  DASHBOARD_ORIGINS_ENV,
} from '../../src/api/cors.js';
import { DASHBOARD_SAVED_QUERY_PATHS } from '../../src/api/routes/saved-query-routes.js';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge } from '../nag.js';

export interface ApiProps {
  readonly apiName: string;
  /** Steady-state requests per second across the stage. */
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /** Handler environment (table names, Athena workgroup and database). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The configuration's routing section, bundled with the handler: account names and owners in the
   * API's rows, severity overrides for `/violations` and `/events`.
   * @default - none
   */
  readonly routing?: object;
  /**
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Also create the dashboard API ({@link Api.dashboardRestApi}); its routes and authorizer are
   * added by {@link Api.authorizeDashboard} once the user pool and the page's origins exist.
   * @default false
   */
  readonly dashboard?: boolean;
}

/**
 * The read routes the dashboard calls (dashboard/app.js), as the Hono app routes them: each is a
 * GET with the Cognito authorizer on the dashboard API. The saved-query routes come from their
 * registry (`dashboard: true` in src/api/routes/saved-query-routes.ts), with `/queries/{id}`, the
 * poll of one that answered 202; another route the dashboard starts to read must be added here.
 */
export const DASHBOARD_READ_ROUTES: readonly string[] = [
  '/events',
  '/violations',
  '/coverage',
  '/mutes',
  '/mutes/audit',
  ...DASHBOARD_SAVED_QUERY_PATHS,
];

/**
 * The mutations of the IAM API, besides GET everywhere: mutes are created and removed by IAM
 * principals (the audit log names the caller's userArn). The dashboard API routes none of them.
 */
export const IAM_MUTATION_ROUTES = [
  { path: '/mutes', method: 'POST' },
  { path: '/mutes/{id}', method: 'DELETE' },
] as const;

export interface DashboardAccess {
  /** The pool whose ID tokens the authorizer accepts. */
  readonly userPool: cognito.IUserPool;
  /** Origins (`https://host`) the page is served from; the first is the one error responses name. */
  readonly allowedOrigins: readonly string[];
}

/**
 * The summary API: API Gateway REST with SigV4 (IAM) authorization on every method, stage
 * throttling, JSON access logs, in front of the API Lambda (the same Hono app as locally).
 * GET is routed on every path (the app answers unknown paths with a JSON 404); the only mutations
 * are {@link IAM_MUTATION_ROUTES}, also SigV4-authorized.
 *
 * With `dashboard`, a second REST API in front of the same function serves the browser: a REST
 * API method has exactly one authorization type, so the IAM API stays as it is for tools and
 * scripts, and the dashboard API routes only {@link DASHBOARD_READ_ROUTES}, each with a Cognito
 * user pools authorizer (the user's ID token in `Authorization`). Both APIs have the same stage
 * name and paths, so the Hono app routes both without a base-path change.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 */
export class Api extends Construct {
  readonly function: MonitorFunction;
  readonly restApi: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  /** The Cognito-authorized API of the dashboard, when `dashboard` is set. */
  readonly dashboardRestApi?: apigw.RestApi;
  private readonly stageProps: apigw.StageOptions;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.function = new MonitorFunction(this, 'Function', {
      handler: 'api',
      description: 'config-monitor: summary API (API Gateway REST, IAM auth)',
      serviceName: 'api',
      memorySize: 512,
      // API Gateway stops waiting at 29 s; the app answers 202 with a poll id before that.
      timeout: Duration.seconds(29),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: props.environment,
      ...(props.routing ? { routing: props.routing } : {}),
    });
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      'API Gateway invokes the function synchronously and returns its error to the caller; there is no asynchronous event to keep.',
    );

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    this.stageProps = {
      stageName: props.stageName ?? 'v1',
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
      accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      // Request bodies and query strings may carry resource ids from other accounts; keep them
      // out of execution logs.
      dataTraceEnabled: false,
      metricsEnabled: true,
      tracingEnabled: props.tracing,
    };
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: props.apiName,
      description: 'config-monitor summary API (SigV4-signed requests only)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        ...this.stageProps,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    });
    this.restApi.addGatewayResponse('Overloaded', overloadedResponse({}));

    const validator = new apigw.RequestValidator(this, 'RequestValidator', {
      restApi: this.restApi,
      validateRequestParameters: true,
      // GET requests carry no body; turning body validation on costs nothing and keeps it on if
      // a method with a body is ever added.
      validateRequestBody: true,
    });
    const integration = new apigw.LambdaIntegration(this.function, { proxy: true, allowTestInvoke: false });
    const methodOptions: apigw.MethodOptions = {
      authorizationType: apigw.AuthorizationType.IAM,
      requestValidator: validator,
    };
    this.restApi.root.addMethod('GET', integration, methodOptions);
    this.restApi.root.addResource('{proxy+}').addMethod('GET', integration, methodOptions);
    // An explicit resource takes its path away from {proxy+}: each also routes GET
    // (GET /mutes, GET /mutes/audit through /mutes/{id}).
    for (const route of IAM_MUTATION_ROUTES) {
      let resource: apigw.IResource = this.restApi.root;
      for (const part of route.path.split('/').filter(Boolean)) {
        resource = resource.getResource(part) ?? resource.addResource(part);
      }
      if (!resource.node.tryFindChild('GET')) resource.addMethod('GET', integration, methodOptions);
      resource.addMethod(route.method, integration, methodOptions);
    }

    acknowledge(
      this.restApi,
      'AwsSolutions-APIG3',
      'Every method requires SigV4 (IAM) authorization, so unsigned traffic is rejected by API Gateway before it reaches a WAF rule; throttling bounds signed traffic. Attach a WAF web ACL if the API is exposed beyond the organization.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-COG4',
      'Callers are IAM principals of the organization (operators, tools, scripts), authorized with SigV4 on every method; browsers use the dashboard API, whose methods have the Cognito user pools authorizer.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level API Gateway logging role must use the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs; API Gateway itself assumes it to write execution and access logs.',
    );

    if (props.dashboard) this.dashboardRestApi = this.createDashboardRestApi(props);
  }

  /** Base URL of the deployed stage. */
  get url(): string {
    return this.restApi.url;
  }

  /** Base URL of the dashboard API's stage (`https://<id>.execute-api.<region>.<suffix>/v1/`). */
  get dashboardUrl(): string {
    return this.requireDashboardApi().url;
  }

  /**
   * Origin of the dashboard API, for the page's CSP `connect-src`. Built from the REST API id
   * alone (not the stage), so the distribution does not depend on the deployment, whose methods
   * depend on the function, whose CORS origins depend on the distribution.
   */
  get dashboardOrigin(): string {
    const api = this.requireDashboardApi();
    const stack = Stack.of(this);
    return `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  private requireDashboardApi(): apigw.RestApi {
    if (!this.dashboardRestApi) throw new Error('Api was built without dashboard: true');
    return this.dashboardRestApi;
  }

  private createDashboardRestApi(props: ApiProps): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'DashboardAccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const api = new apigw.RestApi(this, 'DashboardRestApi', {
      restApiName: `${props.apiName}-dashboard`,
      description: 'config-monitor dashboard API (Cognito ID tokens, the dashboard read routes only)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The account's API Gateway logging role is set once per region, by the IAM API.
      cloudWatchRole: false,
      deployOptions: {
        ...this.stageProps,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      },
    });
    const account = this.restApi.node.tryFindChild('Account');
    if (account) api.deploymentStage.node.addDependency(account);
    acknowledge(
      api,
      'AwsSolutions-APIG3',
      'Every route requires a valid ID token of the dashboard user pool (self sign-up off), so API Gateway rejects other traffic before the function; stage throttling bounds signed-in traffic. Attach a WAF web ACL if the organization requires one on public endpoints.',
    );
    return api;
  }

  /**
   * Routes {@link DASHBOARD_READ_ROUTES} on the dashboard API with a Cognito user pools authorizer
   * and CORS for the page's origins only. With a Lambda proxy integration API Gateway answers the
   * preflight (OPTIONS, mock integration) but the function must add `Access-Control-Allow-Origin`
   * to its own responses, so the origins are also given to it in {@link DASHBOARD_ORIGINS_ENV}.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
   */
  authorizeDashboard(access: DashboardAccess): apigw.CognitoUserPoolsAuthorizer {
    const api = this.requireDashboardApi();
    const [primaryOrigin] = access.allowedOrigins;
    if (primaryOrigin === undefined) throw new Error('authorizeDashboard needs at least one origin');
    const authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'DashboardAuthorizer', {
      authorizerName: 'dashboard-users',
      cognitoUserPools: [access.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
      resultsCacheTtl: Duration.minutes(5),
    });
    const validator = new apigw.RequestValidator(this, 'DashboardRequestValidator', {
      restApi: api,
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new apigw.LambdaIntegration(this.function, { proxy: true, allowTestInvoke: false });
    const cors: apigw.CorsOptions = {
      allowOrigins: [...access.allowedOrigins],
      allowMethods: [...DASHBOARD_CORS_METHODS],
      allowHeaders: [...DASHBOARD_CORS_HEADERS],
      maxAge: Duration.seconds(DASHBOARD_CORS_MAX_AGE_SECONDS),
    };
    for (const route of DASHBOARD_READ_ROUTES) {
      let resource: apigw.IResource = api.root;
      for (const part of route.split('/').filter(Boolean)) {
        resource = resource.getResource(part) ?? resource.addResource(part);
      }
      resource.addMethod('GET', integration, {
        authorizationType: apigw.AuthorizationType.COGNITO,
        authorizer,
        requestValidator: validator,
      });
      resource.addCorsPreflight(cors);
    }
    // What API Gateway answers itself (401 without a valid token, 429 throttled, 5xx) carries the
    // CORS header too, so the page can read the status and send the user to sign in again.
    const corsHeaders = { 'Access-Control-Allow-Origin': `'${primaryOrigin}'`, Vary: "'Origin'" };
    api.addGatewayResponse('Default4xx', {
      type: apigw.ResponseType.DEFAULT_4XX,
      responseHeaders: corsHeaders,
    });
    api.addGatewayResponse('Default5xx', overloadedResponse(corsHeaders));
    this.function.addEnvironment(DASHBOARD_ORIGINS_ENV, access.allowedOrigins.join(','));
    return authorizer;
  }
}

/**
 * What API Gateway answers itself with a 5xx (the function throttled at its reserved concurrency,
 * an integration timeout or failure): a 503 with `Retry-After`, as the app answers its own
 * overload, never a bare 500. API Gateway reports a throttled Lambda as a 500 by default
 * (https://repost.aws/knowledge-center/api-gateway-internal-server-error); the function's own
 * responses (proxy integration) pass through unchanged.
 */
function overloadedResponse(headers: Readonly<Record<string, string>>): apigw.GatewayResponseOptions {
  return {
    type: apigw.ResponseType.DEFAULT_5XX,
    statusCode: '503',
    responseHeaders: { ...headers, 'Retry-After': "'1'" },
    templates: {
      'application/json':
        '{"error":"overloaded","message":"the API is busy; retry in 1 s","request_id":"$context.requestId"}',
    },
  };
}
