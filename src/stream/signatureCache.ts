// Owns function signatures: `transfer(address,uint256)` → parsed ABI, selector and argument coercers, cached.
import { type AbiFunction, type AbiParameter, type Hex, parseAbiItem, toFunctionSelector } from 'viem'
import { type Coercer, compileParam, typeLabel } from './abiArgs.js'
import { quoteInput } from './parseValue.js'
import { SpecRejection, cut, errorText } from './rejections.js'
import type { SpecProblem } from './spec.js'

const SIGNATURE_CACHE_SIZE = 1024
const FUNCTION_KEYWORD_RE = /^(function|event|error|constructor|fallback|receive|struct)\b/

export interface CompiledSignature {
  inputs: readonly AbiParameter[]
  selector: Hex
  /** `name(type,type)` for messages. */
  display: string
  coercers: readonly Coercer[]
}

/** Signature text → what it compiled to, or why it is not a function signature (bad ones recur too). */
const signatureCache = new Map<string, CompiledSignature | SpecProblem>()

function compileSignature(signature: string): CompiledSignature | SpecProblem {
  const trimmed = signature.trim()
  const source = FUNCTION_KEYWORD_RE.test(trimmed) ? trimmed : `function ${trimmed}`
  let item: ReturnType<typeof parseAbiItem>
  try {
    item = parseAbiItem(source)
  } catch (err) {
    return {
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: `signature: ${quoteInput(signature)} is not a valid function signature: ${cut(errorText(err), 120)}`,
    }
  }
  const maybeFn = item as { type: string }
  if (maybeFn.type !== 'function') {
    return {
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: `signature: ${quoteInput(signature)} is ${/^[aeiou]/.test(maybeFn.type) ? 'an' : 'a'} ${maybeFn.type}, expected a function`,
    }
  }
  const fn = item as AbiFunction
  return {
    inputs: fn.inputs,
    selector: toFunctionSelector(fn),
    display: `${fn.name}(${fn.inputs.map(typeLabel).join(',')})`,
    coercers: fn.inputs.map(compileParam),
  }
}

/**
 * The compiled form of `signature` (with or without the `function` keyword); throws a
 * {@link SpecRejection} (`INVALID_SIGNATURE`) when it is not a function signature. The oldest
 * entry goes when the cache is full.
 */
export function lookupSignature(signature: string): CompiledSignature {
  let entry = signatureCache.get(signature)
  if (entry === undefined) {
    entry = compileSignature(signature)
    if (signatureCache.size >= SIGNATURE_CACHE_SIZE) {
      const oldest = signatureCache.keys().next()
      if (!oldest.done) signatureCache.delete(oldest.value)
    }
    signatureCache.set(signature, entry)
  }
  if ('code' in entry) throw new SpecRejection(entry)
  return entry
}
