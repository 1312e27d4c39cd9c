/** `--tps`, `--tpb`, `--ramp`, `--stage` → the run's load shape (one of them at most). */
import { type Command, Option } from 'commander'
import { UsageError } from '../base/errors.js'
import { type LoadShape, parseRamp, parseStages, perBlockShape } from '../dispatch/loadShape.js'
import { DEFAULT_RUN_DURATION } from './options.js'
import { parseCount, parseDuration } from './parseFlags.js'

/**
 * The load shape the flags ask for, or undefined for the plain `--tps` (a constant rate, or
 * unpaced). `run` ramps and paces per block over its default duration when none is given.
 */
export function loadShapeFromFlags(flags: Record<string, unknown>, cmd: Command): LoadShape | undefined {
  const value = (long: string): unknown => flags[new Option(`--${long}`).attributeName()]
  const given = (long: string) => value(long) !== undefined && cmd.getOptionValueSource(new Option(`--${long}`).attributeName()) !== 'default'
  const asked = ['tps', 'tpb', 'ramp', 'stage'].filter(given)
  if (asked.length > 1) throw new UsageError(`${asked.map((f) => `--${f}`).join(' and ')} are exclusive: give one way to pace the run`)
  const duration = given('duration') ? parseDuration(String(value('duration')), '--duration') : undefined
  const runDuration = duration ?? (cmd.name() === 'run' && !given('max-txs') && value('forever') !== true ? parseDuration(DEFAULT_RUN_DURATION, '--duration') : undefined)
  if (given('tpb')) return perBlockShape(parseCount(String(value('tpb')), '--tpb', 1), runDuration)
  if (given('ramp')) return parseRamp(String(value('ramp')), runDuration, '--ramp')
  if (given('stage')) {
    if (duration !== undefined) throw new UsageError('--duration and --stage are exclusive: the stages set the run\'s length')
    return parseStages(value('stage') as string[], parseDuration, '--stage')
  }
  return undefined
}
