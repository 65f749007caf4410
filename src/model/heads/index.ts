/** Registers every head (importing a head's file adds it to its registry). */
import './largefov';
import './aspp_lite';
import './clsnet';

export { DENSE_HEADS, GLOBAL_HEADS, registerDenseHead, registerGlobalHead } from './head';
export type { DenseHead, DenseHeadConfig, GlobalHead, GlobalHeadConfig, HeadEntry, HeadSpec } from './head';
export { LargeFovHead, largeFovDilation } from './largefov';
export { ClsNetHead } from './clsnet';
export { AsppLiteHead } from './aspp_lite';
