import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { ErrorCode } from '../errors/error-codes.js';
import { upstreamFailure } from '../errors/graphql-errors.js';
import {
  type CoinConfiguration,
  CoinConfigurationSchema,
  type PartialCoinConfigPayload,
} from '../upstream/payloads.js';
import { builder } from './builder.js';
import {
  AmountSchema,
  CoinConfigIdSchema,
  CompanyIdSchema,
  ConfigurationSchema,
  EventSchema,
  idDescription,
  idList,
  INPUT_RULES,
  MAX_IDS_PER_LIST,
  parseArgs,
} from './input-rules.js';
import { upstreamCallsForIds } from './upstream-costs.js';
import { companyScopedInput, requireCompany, requireScope, requireVisibleConfig, visibleConfig } from './tenancy.js';

/** A CoinConfig as the upstream gave it: Update Event's payload lacks companyId, for one. */
type CoinConfigSource = PartialCoinConfigPayload;

/** The payload's enum (CoinConfigurationSchema): its values, described. */
const CONFIGURATION_VALUES: Record<CoinConfiguration, { description: string }> = {
  DEFAULT: { description: 'The standard configuration for the event.' },
  CUSTOM: { description: 'A company-specific configuration for the event.' },
};

/** "DEFAULT or CUSTOM" */
const CONFIGURATIONS = CoinConfigurationSchema.options.join(' or ');

const CoinConfigurationEnum = builder.enumType('CoinConfiguration', {
  description: 'How the coin amount of an event configuration is set up at EnKash.',
  values: CONFIGURATION_VALUES,
});

/**
 * Resolves a field the source lacks with one Get Event for that id (deduplicated per
 * operation by the loader), and only when a query selects such a field.
 */
async function completeField<K extends keyof CoinConfigSource>(
  source: CoinConfigSource,
  field: K,
  context: GatewayContext,
): Promise<NonNullable<CoinConfigSource[K]>> {
  const full = await loadCoinConfig(context, source.coinConfigId);
  const value = full?.[field];
  if (value === undefined || value === null) {
    throw upstreamFailure(
      ErrorCode.UPSTREAM_BAD_RESPONSE,
      `The coins API did not return ${String(field)} for coin configuration ${source.coinConfigId}.`,
    );
  }
  return value as NonNullable<CoinConfigSource[K]>;
}

const CoinConfigRef = builder.objectRef<CoinConfigSource>('CoinConfig').implement({
  description:
    'A coin event configuration: how many coins a user earns at a company when the event happens. ' +
    'Ids look like "WCC817428".',
  fields: (t) => ({
    id: t.exposeID('coinConfigId', {
      description:
        'Equal to coinConfigId. Normalized client caches (Apollo InMemoryCache, urql Graphcache) identify objects ' +
        'by id, so they update a cached configuration after updateCoinEvent with no cache configuration.',
    }),
    coinConfigId: t.exposeID('coinConfigId', {
      description: 'The configuration id issued by EnKash (e.g. "WCC817428").',
    }),
    configuration: t.field({
      type: CoinConfigurationEnum,
      description: 'Whether this is the DEFAULT or a CUSTOM configuration.',
      resolve: (source, _args, context) => source.configuration ?? completeField(source, 'configuration', context),
    }),
    companyId: t.string({
      description: 'The EnKash company the configuration belongs to (e.g. "CEKEKCARDS").',
      resolve: (source, _args, context) => source.companyId ?? completeField(source, 'companyId', context),
    }),
    event: t.string({
      description: 'The event name that earns coins, upper snake case by convention (e.g. "MEAL_CARD_PAYMENT").',
      resolve: (source, _args, context) => source.event ?? completeField(source, 'event', context),
    }),
    amount: t.int({
      description: 'Coins credited to a user each time the event is allocated.',
      resolve: (source, _args, context) => source.amount ?? completeField(source, 'amount', context),
    }),
  }),
});

/**
 * One configuration by id through the operation's loader (each id at most once per operation;
 * null for an unknown id). coinEvent, coinEvents and federation's _entities all read here, so a
 * rule on reading a configuration belongs here too.
 */
function loadCoinConfig(context: GatewayContext, coinConfigId: string): Promise<CoinConfigSource | null> {
  return context.loaders.coinConfig.load(coinConfigId);
}

// Argument schemas are built once, not per call: building a zod object costs far more than
// parsing with it, and these run on every request (figures in README, Performance notes).
const CoinConfigIdArgsSchema = z.object({ coinConfigId: CoinConfigIdSchema });
const CoinConfigIdsArgsSchema = z.object({ coinConfigIds: idList(CoinConfigIdSchema) });

// A federation entity: a router resolves `{ __typename: "CoinConfig", coinConfigId }` through
// _entities, with the same scope, tenant rule, input rule, credential check and loader as coinEvent
// (_entities is not a Pothos field, so its authScopes are checked here by hand).
builder.asEntity(CoinConfigRef, {
  key: builder.selection<{ coinConfigId: string }>('coinConfigId'),
  // async, so that a bad key fails this entity alone, at ["_entities", i].
  resolveReference: async (reference, context) => {
    await requireScope(context, '_entities', 'coins:read');
    const { coinConfigId } = parseArgs(CoinConfigIdArgsSchema, reference);
    context.requireCredentials();
    return visibleConfig(context, await loadCoinConfig(context, coinConfigId));
  },
});

const CreateCoinEventInput = builder.inputType('CreateCoinEventInput', {
  description: 'A new coin event configuration. Every field is required.',
  fields: (t) => ({
    configuration: t.field({ type: CoinConfigurationEnum, required: true, description: `${CONFIGURATIONS}.` }),
    companyId: t.string({ required: true, description: `${INPUT_RULES.id.text}.` }),
    event: t.string({ required: true, description: `Event name: ${INPUT_RULES.event.text}.` }),
    amount: t.int({ required: true, description: `Coins per allocation: ${INPUT_RULES.amount.text}.` }),
  }),
});

const UpdateCoinEventInput = builder.inputType('UpdateCoinEventInput', {
  description:
    'The fields to change; give at least one. Omitted fields stay as they are; null is not allowed. ' +
    'Values follow the same rules as CreateCoinEventInput.',
  fields: (t) => ({
    configuration: t.field({ type: CoinConfigurationEnum, description: `New configuration: ${CONFIGURATIONS}.` }),
    companyId: t.string({ description: `New company id: ${INPUT_RULES.id.text}.` }),
    event: t.string({ description: `New event name: ${INPUT_RULES.event.text}.` }),
    amount: t.int({ description: `New coins per allocation: ${INPUT_RULES.amount.text}.` }),
  }),
});

const CreateArgsSchema = z.object({
  input: z.object({
    configuration: ConfigurationSchema,
    companyId: CompanyIdSchema,
    event: EventSchema,
    amount: AmountSchema,
  }),
});

const UpdateArgsSchema = z.object({
  coinConfigId: CoinConfigIdSchema,
  input: z
    .object({
      configuration: ConfigurationSchema.optional(),
      companyId: CompanyIdSchema.optional(),
      event: EventSchema.optional(),
      amount: AmountSchema.optional(),
    })
    .refine((input) => Object.keys(input).length > 0, 'give at least one field to change'),
});

builder.queryFields((t) => ({
  coinEvent: t.field({
    type: CoinConfigRef,
    nullable: true,
    complexity: { field: 1, multiplier: 0 },
    description:
      'One coin event configuration by id (Get Event); null when EnKash does not know the id, or when it belongs ' +
      "to a company outside the caller's. Scope: coins:read.",
    args: {
      coinConfigId: t.arg.id({ required: true, description: idDescription('The configuration id', 'WCC817428') }),
    },
    authScopes: { coins: 'coins:read' },
    resolve: async (_root, args, context) => {
      const { coinConfigId } = parseArgs(CoinConfigIdArgsSchema, args);
      context.requireCredentials();
      return visibleConfig(context, await loadCoinConfig(context, coinConfigId));
    },
  }),
  coinEvents: t.field({
    type: [CoinConfigRef],
    nullable: { list: false, items: true },
    description:
      'Several coin event configurations by id: one entry per id, in order; null for an unknown id or one of a ' +
      `company outside the caller's. Each distinct id is fetched once. At most ${MAX_IDS_PER_LIST} ids. Scope: coins:read.`,
    args: {
      coinConfigIds: t.arg.idList({
        required: true,
        description: `Up to ${MAX_IDS_PER_LIST} configuration ids, each ${INPUT_RULES.id.text}.`,
      }),
    },
    complexity: (args) => ({ field: upstreamCallsForIds(args.coinConfigIds), multiplier: 0 }),
    authScopes: { coins: 'coins:read' },
    resolve: (_root, args, context) => {
      const { coinConfigIds } = parseArgs(CoinConfigIdsArgsSchema, args);
      context.requireCredentials();
      return coinConfigIds.map(async (id) => visibleConfig(context, await loadCoinConfig(context, id)));
    },
  }),
}));

builder.mutationFields((t) => ({
  createCoinEvent: t.field({
    type: CoinConfigRef,
    description:
      'Creates a coin event configuration (Create Event). Not idempotent: the gateway never resends it; ' +
      'after a timeout, check with coinEvent/coinEvents before creating again. Scope: coins:write; FORBIDDEN for a ' +
      "company outside the caller's.",
    args: { input: t.arg({ type: CreateCoinEventInput, required: true, description: 'The configuration to create.' }) },
    // Create's payload is the whole configuration: its fields need no further call.
    complexity: { field: 1, multiplier: 0 },
    authScopes: { coins: 'coins:write' },
    resolve: async (_root, args, context) => {
      const { input, credentials } = await companyScopedInput(context, CreateArgsSchema, args);
      const created = await context.coins.createCoinConfig(input, credentials);
      context.rememberCoinConfig(created);
      return created;
    },
  }),
  updateCoinEvent: t.field({
    type: CoinConfigRef,
    description:
      'Changes a coin event configuration (Update Event, PATCH): only the fields given are sent. ' +
      "NOT_FOUND when the id is unknown or belongs to a company outside the caller's (then nothing is sent); " +
      'FORBIDDEN when companyId would move it to such a company. Scope: coins:write.',
    args: {
      coinConfigId: t.arg.id({
        required: true,
        description: idDescription('The configuration to change', 'WCC817428'),
      }),
      input: t.arg({ type: UpdateCoinEventInput, required: true, description: 'The fields to change.' }),
    },
    // The PATCH, one Get Event when a selected field is missing from its payload, and, for a caller
    // restricted to some companies, the Get Event that checks the configuration's company first.
    complexity: { field: 3, multiplier: 0 },
    authScopes: { coins: 'coins:write' },
    resolve: async (_root, args, context) => {
      const { coinConfigId, input } = parseArgs(UpdateArgsSchema, args);
      const credentials = context.requireCredentials();
      if (input.companyId !== undefined) await requireCompany(context, input.companyId);
      await requireVisibleConfig(context, coinConfigId);
      const updated = await context.coins.updateCoinConfig(coinConfigId, input, credentials);
      // What was read before the change is stale; fields the PATCH payload lacks are read after it.
      context.forgetCoinConfig(coinConfigId);
      context.forgetCoinConfig(updated.coinConfigId);
      return updated;
    },
  }),
}));
