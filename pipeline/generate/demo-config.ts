/**
 * The configuration file of the demo organization (`config-monitor up --demo`): two destinations,
 * `security` for CRITICAL and HIGH violations, every alert of the production OU and of resources
 * tagged `data-class: pii`, `default` for the rest, and an accounts map with names, OUs and owners,
 * so the outbox shows one sub-folder per destination and every message an account name, a route and
 * an owner.
 */
import { RESOURCE_TEAMS } from './catalog.js';
import type { OrganizationProfile } from './organization.js';

export const DEMO_PRODUCTION_OU = 'ou-demo-prod0001';
export const DEMO_WORKLOADS_OU = 'ou-demo-work0001';

const TEAMS = RESOURCE_TEAMS;

/** The demo's `config.json` content, for the accounts of `profile`. */
export function demoConfigFile(profile: Pick<OrganizationProfile, 'accounts'>): Record<string, unknown> {
  const accounts = Object.fromEntries(
    profile.accounts.map((id, i) => {
      const team = TEAMS[i % TEAMS.length] as string;
      const production = i % 3 === 0;
      return [
        id,
        {
          name: `${team}-${production ? 'prod' : 'dev'}-${Math.floor(i / TEAMS.length) + 1}`,
          ou: production ? DEMO_PRODUCTION_OU : DEMO_WORKLOADS_OU,
          owner: `team-${team}@example.com`,
        },
      ];
    }),
  );
  return {
    routing: {
      destinations: {
        default: { type: 'webhook' },
        security: { type: 'webhook', env: 'SLACK_WEBHOOK_URL_SECURITY' },
      },
      defaultDestination: 'default',
      routes: [
        { name: 'critical-and-high', severities: ['CRITICAL', 'HIGH'], destination: 'security' },
        { name: 'production', ous: [DEMO_PRODUCTION_OU], destination: 'security' },
        { name: 'pii-data', tags: { 'data-class': 'pii' }, destination: 'security' },
      ],
      accounts,
    },
  };
}
