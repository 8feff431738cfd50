/**
 * The one definition of an AWS account id, a region name and a Config rule name, used by ingestion (the event
 * schema), the API's parameters, the CLI and the report. Before, four region patterns disagreed:
 * the API accepted regions ingestion rejected (`eusc-de-east-1` of the European Sovereign Cloud).
 *
 * Region names: a partition prefix of 2-4 letters (`us`, `eu`, `cn`, `eusc`), then words
 * (`gov`, `iso`, `isob`, a direction), then a number: `us-east-1`, `us-gov-west-1`,
 * `us-isob-east-1`, `cn-northwest-1`, `ap-southeast-5`, `eusc-de-east-1`.
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */

/** Exactly 12 ASCII digits (`\d` in a JavaScript pattern without the `u` flag is ASCII only). */
export const ACCOUNT_ID_PATTERN = /^[0-9]{12}$/;

export const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]{2,12})+-[0-9]{1,2}$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_PATTERN.test(value);
}

export function isRegionName(value: string): boolean {
  return REGION_PATTERN.test(value);
}

/**
 * A Config rule name as deployed: AWS allows 1-128 characters with one that is not a space
 * (`ConfigRuleName`, https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html);
 * up to 256 are accepted, never a control character (which no console, query or message can show
 * faithfully). Ingestion, the API's `rule` parameter and the console links read this one pattern.
 */
export const RULE_NAME_PATTERN = /^(?=[\s\S]*\S)[^\u0000-\u001f\u007f]{1,256}$/;

export const RULE_NAME_DESCRIPTION = 'a Config rule name of 1 to 256 characters without control characters';

export function isRuleName(value: string): boolean {
  return RULE_NAME_PATTERN.test(value);
}
