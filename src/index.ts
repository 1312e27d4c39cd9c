/** Programmatic API: the CLI is a thin shell over these. */
export { send, type SendOptions, type SendResult, type EndReason } from './send.js'
export { createHttpRpc, RpcError, TransportError, type Rpc } from './rpc/rpc.js'
export { viemSigner, type Signer, type SignerFactory } from './tx/signer.js'
export { startEmbeddedDevnet } from './devnet/embedded.js'
export { createLogger } from './log.js'
export { FloodgateError, type ErrorCode } from './base/errors.js'
export type * from './events/types.js'
