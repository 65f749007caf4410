/**
 * Gradients of the tfjs ops. The `@tensorflow/tfjs-core` node entry registers
 * none (its gradient files are ES modules that Node cannot load from
 * CommonJS); the union package's node bundle registers all of them on import.
 * Project gradients registered after this import replace the stock ones.
 */
import '@tensorflow/tfjs';
