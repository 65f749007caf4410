/** Registers every backbone (importing a backbone's file adds it to `BACKBONES`). */
import './vgg16';
import './resnet';
import './mobilenetv2';
import './darknet_tiny';
import './mobilenet_edgetpu';

export { BACKBONES, registerBackbone, scaledChannels } from './backbone';
export type { Backbone, BackboneAnalysis, BackboneConfig, BackboneEntry } from './backbone';
export { Vgg16 } from './vgg16';
export { ResNet } from './resnet';
export { MobileNetV2 } from './mobilenetv2';
export { DarknetTiny } from './darknet_tiny';
export { MobileNetEdgeTpu } from './mobilenet_edgetpu';
