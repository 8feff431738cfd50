/**
 * Runs before every test file (vitest `setupFiles`): a green run prints only results and failures.
 * Like Powertools' own test setup, noise is switched off through the libraries' documented
 * settings rather than by swallowing output, so a test that needs the output turns it back on with
 * `vi.stubEnv` and asserts on it. Child processes started by tests (the CLI, service threads)
 * inherit these settings.
 */

// The AWS SDK's once-per-process notice that its releases after January 2027 need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Powertools Logger: https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#suppress-logs
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Powertools Metrics' EMF lines on stdout (a test that asserts metrics sets it to false).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// jsii's warnings when cdk-nag reads a deprecated CDK property.
process.env.JSII_DEPRECATED ??= 'quiet';
