import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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
   * @default 'v1'
   */
  readonly stageName?: string;
}

/**
 * The summary API: API Gateway REST with SigV4 (IAM) authorization on every method, stage
 * throttling, JSON access logs, in front of the API Lambda (the same Hono app as locally).
 * The API is read-only, so only GET is routed; the app answers unknown paths with a JSON 404.
 */
export class Api extends Construct {
  readonly function: MonitorFunction;
  readonly restApi: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;

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

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: props.apiName,
      description: 'config-monitor summary API (SigV4-signed requests only)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName ?? 'v1',
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Request bodies and query strings may carry resource ids from other accounts; keep them
        // out of execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: props.tracing,
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    });

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

    acknowledge(
      this.restApi,
      'AwsSolutions-APIG3',
      'Every method requires SigV4 (IAM) authorization, so unsigned traffic is rejected by API Gateway before it reaches a WAF rule; throttling bounds signed traffic. Attach a WAF web ACL if the API is exposed beyond the organization.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-COG4',
      'Callers are IAM principals of the organization (operators, dashboards), authorized with SigV4 on every method instead of a Cognito user pool.',
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level API Gateway logging role must use the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs; API Gateway itself assumes it to write execution and access logs.',
    );
  }

  /** Base URL of the deployed stage. */
  get url(): string {
    return this.restApi.url;
  }
}
