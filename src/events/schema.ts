/** The event schema as data, and validating an event against it. */
/**
 * The event schema as data: every event type, its fields, their types, and which are
 * required. docs/events.md documents the same table; `validateEvent` checks a parsed
 * line against it (the tests run it on every line the end-to-end runs print).
 */
type FieldType = 'integer' | 'number' | 'string' | 'hex' | 'address' | 'object' | 'integer|null' | 'boolean' | 'decimal'

interface FieldSpec {
  type: FieldType
  required: boolean
  /** For strings: the only values allowed. */
  values?: readonly string[]
}

const req = (type: FieldType): FieldSpec => ({ type, required: true })
const opt = (type: FieldType): FieldSpec => ({ type, required: false })
const oneOf = (...values: string[]): FieldSpec => ({ type: 'string', required: true, values })

const specRef = { idx: req('integer'), line: req('integer'), id: opt('string'), kind: opt('string'), stage: opt('string') }

/** Optional fields any event may carry (docs/events.md, "Envelope"). */
export const ENVELOPE_SCHEMA: Record<string, FieldSpec> = { shard: opt('string') }

export const EVENT_SCHEMA: Record<string, Record<string, FieldSpec>> = {
  tx_result: {
    ...specRef,
    from: req('address'),
    nonce: req('integer|null'),
    tx_hash: opt('hex'),
    raw_tx: opt('hex'),
    start_timestamp_ms: req('integer'),
    scheduled_timestamp_ms: opt('integer'),
    send_ms: req('number'),
    attempts: req('integer'),
    error: opt('string'),
    error_code: opt('string'),
    status: { type: 'string', required: false, values: ['not_sent'] },
    endpoint: opt('string'),
  },
  invalid_spec: { line: req('integer'), id: opt('string'), error: req('string'), error_code: req('string'), field: opt('string') },
  backpressure: { stage: req('string'), worker: opt('integer'), queued: req('integer'), capacity: req('integer') },
  backpressure_end: { stage: req('string'), worker: opt('integer'), blocked_ms: req('number') },
  worker_panic: { worker: req('integer'), signer: req('address'), idx: req('integer'), error: req('string') },
  worker_retired: { worker: req('integer'), signer: req('address'), panics: req('integer') },
  nonce_gap_filled: {
    worker: req('integer'),
    signer: req('address'),
    nonce: req('integer'),
    tx_hash: req('hex'),
    lost_tx_hash: opt('hex'),
    idx: opt('integer'),
    id: opt('string'),
    reason: { type: 'string', required: false, values: ['untracked', 'not_resignable', 'replacement_refused', 'never_included', 'refused'] },
  },
  tx_replaced: {
    idx: req('integer'),
    line: opt('integer'),
    id: opt('string'),
    nonce: req('integer'),
    old_tx_hash: req('hex'),
    tx_hash: req('hex'),
    reason: oneOf('fee_below_base', 'fee_at_risk', 'dropped'),
    max_fee_per_gas: req('decimal'),
    replacements: req('integer'),
  },
  block: {
    number: req('integer'),
    timestamp: req('integer'),
    tx_count: req('integer'),
    ours: req('integer'),
    gas_used: req('integer'),
    gas_limit: req('integer'),
    base_fee_per_gas: opt('decimal'),
    backlog: req('integer'),
  },
  saturation: {
    block_number: req('integer'),
    inclusion_tps: req('number'),
    inclusion_gas_per_s: req('number'),
    block_fullness: req('number'),
    base_fee_per_gas: opt('decimal'),
    backlog: req('integer'),
  },
  saturation_end: { block_number: req('integer'), duration_ms: req('number'), backlog: req('integer') },
  funds_low: { funder: req('hex'), balance_wei: req('decimal'), spend_wei_per_s: req('decimal'), runway_s: req('number') },
  funds_exhausted: { funder: req('hex'), balance_wei: req('decimal'), needed_wei: req('decimal') },
  tx_receipt: {
    ...specRef,
    tx_hash: req('hex'),
    block_number: req('integer'),
    block_timestamp: req('integer'),
    status: oneOf('success', 'reverted'),
    gas_used: req('integer'),
    effective_gas_price: req('decimal'),
    blob_gas_used: opt('integer'),
    blob_gas_price: opt('decimal'),
    value: opt('decimal'),
    inclusion_ms: req('number'),
    scheduled_inclusion_ms: opt('number'),
    tx_index: opt('integer'),
    block_tx_count: opt('integer'),
    outcome_from: { type: 'string', required: false, values: ['receipt', 'block'] },
  },
  tx_timeout: {
    ...specRef,
    tx_hash: req('hex'),
    pending: req('boolean'),
    waited_ms: req('number'),
    reason: oneOf('timeout', 'run_stopped', 'fee_cap', 'untracked', 'not_resignable', 'replacement_refused', 'never_included', 'refused'),
    error_code: opt('string'),
    filler_tx_hash: opt('hex'),
    lookup_error: opt('string'),
  },
  progress: {
    sent: req('integer'),
    failed: req('integer'),
    included: req('integer'),
    pending: req('integer'),
    tps: req('number'),
    included_tps: req('number'),
    send_latency_ms: req('object'),
    inclusion_latency_ms: req('object'),
    window_ms: req('number'),
    elapsed_ms: req('integer'),
  },
  summary: {
    sent: req('integer'),
    failed: req('integer'),
    not_sent: req('integer'),
    invalid: req('integer'),
    duration_ms: req('integer'),
    tps: req('number'),
    errors: req('object'),
    send_latency_ms: req('object'),
    included: req('integer'),
    reverted: req('integer'),
    timed_out: req('integer'),
    pending_at_stop: req('integer'),
    inclusion_latency_ms: req('object'),
    scheduled_send_latency_ms: opt('object'),
    scheduled_inclusion_latency_ms: opt('object'),
    included_tps: req('number'),
    gas_used: req('decimal'),
    by_kind: req('object'),
    backpressure_episodes: req('integer'),
    worker_panics: req('integer'),
    reason: req('string'),
    replaced: opt('integer'),
    saturation: opt('object'),
    capacity: opt('object'),
    pacing: opt('object'),
    reorder: opt('object'),
    spend: opt('object'),
    base_fee: opt('object'),
    funding: opt('object'),
    rpc_calls: opt('object'),
    rpc_http_requests: opt('integer'),
    watch_calls_per_1k_txs: opt('number'),
    asserts: opt('object'),
  },
}

function typeOk(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value)
    case 'integer|null':
      return value === null || Number.isSafeInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'string':
      return typeof value === 'string'
    case 'hex':
      return typeof value === 'string' && /^0x[0-9a-f]*$/i.test(value)
    case 'address':
      return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'decimal':
      return typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value)
  }
}

/**
 * Problems with one event object; empty when it matches the schema. `lenient`: only the types of
 * the fields present are checked, and fields the schema does not name are let through (a reader
 * of logs written by another floodgate version, or cut short).
 */
export function validateEvent(event: unknown, o: { lenient?: boolean } = {}): string[] {
  if (typeof event !== 'object' || event === null) return ['not an object']
  const e = event as Record<string, unknown>
  const problems: string[] = []
  if (e.version !== 1) problems.push(`version must be 1, got ${JSON.stringify(e.version)}`)
  const schema = typeof e.type === 'string' ? EVENT_SCHEMA[e.type] : undefined
  if (!schema) return [...problems, `unknown type ${JSON.stringify(e.type)}`]
  for (const [name, spec] of [...Object.entries(schema), ...Object.entries(ENVELOPE_SCHEMA)]) {
    if (!(name in e)) {
      if (spec.required && !o.lenient) problems.push(`${e.type}.${name} is missing`)
    } else if (!typeOk(e[name], spec.type)) {
      problems.push(`${e.type}.${name} should be ${spec.type}, got ${JSON.stringify(e[name])}`)
    } else if (spec.values && !spec.values.includes(e[name] as string)) {
      problems.push(`${e.type}.${name} should be one of ${spec.values.join(', ')}, got ${JSON.stringify(e[name])}`)
    }
  }
  for (const name of o.lenient ? [] : Object.keys(e)) {
    if (name !== 'version' && name !== 'type' && !(name in schema) && !(name in ENVELOPE_SCHEMA)) problems.push(`${e.type}.${name} is not in the schema`)
  }
  if (e.type === 'tx_result' && ('error' in e) !== ('error_code' in e)) problems.push('tx_result: error and error_code come together')
  if (e.type === 'tx_result' && 'status' in e && ('error' in e || 'tx_hash' in e)) problems.push('tx_result: a spec not sent has neither error nor tx_hash')
  return problems
}
