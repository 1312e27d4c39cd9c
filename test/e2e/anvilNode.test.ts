import { describeNodeContract } from '../helpers/nodeContract.js'

/** Issue 13: the end-to-end contract the other test nodes pass, on anvil too (1 s blocks), so the three stay comparable. */
describeNodeContract('anvil', { blockTime: 1 }, { lowFee: 'refused' })
