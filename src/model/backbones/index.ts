/** Registers every backbone (importing a backbone's file adds it to `BACKBONES`). */
import './vgg16';
import './resnet';

export { BACKBONES, expectBackbone, scaledChannels } from './backbone';
export type { Backbone, BackboneAnalysis, BackboneConfig, BackboneEntry } from './backbone';
export { Vgg16 } from './vgg16';
export { ResNet } from './resnet';
