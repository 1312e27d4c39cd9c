import { describeNodeContract } from '../helpers/nodeContract.js'

/** Issue 22: the end-to-end contract on geth (dev mode, the pinned release), a block every second. */
describeNodeContract('geth', { blockTime: 1 }, { lowFee: 'queued' })
