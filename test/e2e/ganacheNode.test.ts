import { describeNodeContract } from '../helpers/nodeContract.js'

/** Issue 13: the end-to-end contract on Ganache 7, a block every second. */
describeNodeContract('ganache', { blockTime: 1 }, { lowFee: 'unmined' })
