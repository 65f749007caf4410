/**
 * Proves an import: runs a published ImageNet classifier file as the
 * original classifier (TensorFlow padding, the file's input normalization)
 * and ranks its classes on images. `guideseg classify` prints the result.
 */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { BACKBONES } from '../model/backbones';
import { Rng } from '../util/rng';
import { ImageNetClassifier } from './imagenet_classifier';
import { assignWeights, ImportedNetwork } from './named_weights';
import { PRETRAINED_IMPORTERS } from './pretrained';

/** A loaded classifier and how its outputs map to ImageNet label lines (line = output + offset). */
export interface LoadedClassifier {
  classifier: ImageNetClassifier;
  imported: ImportedNetwork;
  /** 0 for 1001 outputs (background first, as the label file), 1 for 1000. */
  labelOffset: number;
}

/**
 * Loads `file` as its original classifier: a `.tflite` file as MobileNetV2,
 * a folder or `model.json` as Tiny Darknet. Dispose `classifier` when done.
 */
export function loadImageNetClassifier(file: string): LoadedClassifier {
  const tflite = file.endsWith('.tflite');
  const config = tflite
    ? ({ type: 'mobilenetv2', width: 1, outputStride: 32, padding: 'tf' } as const)
    : ({ type: 'darknet-tiny', width: 1, outputStride: 16, padding: 'tf' } as const);
  const imported = PRETRAINED_IMPORTERS.get(config.type)(file, config);
  const backbone = BACKBONES.get(config.type).build(config, new Rng(0));
  const top = tflite
    ? { conv1Channels: 1280, logitsBeforePool: false, classes: imported.classifierOutputs }
    : { logitsBeforePool: true, classes: imported.classifierOutputs };
  const classifier = new ImageNetClassifier(backbone, top, imported.normalization);
  try {
    assignWeights(classifier, new Map([...imported.classifier, ...[...imported.backbone].map(([k, v]) => [`backbone.${k}`, v] as const)]), file, 'classifier');
  } catch (err) {
    classifier.dispose();
    throw err;
  }
  return { classifier, imported, labelOffset: imported.classifierOutputs === 1000 ? 1 : 0 };
}

/** The `k` most probable classes of the image in `file`, resized to `size` x `size` as the classifier was trained. */
export async function classifyImage(
  loaded: LoadedClassifier,
  file: string,
  k = 5,
  size = 224,
): Promise<Array<{ index: number; probability: number }>> {
  let data: Buffer;
  try {
    data = await sharp(file).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer();
  } catch (err) {
    throw new Error(`cannot decode image ${file}: ${(err as Error).message}`);
  }
  const probs = tf.tidy(() => loaded.classifier.predict(tf.tensor4d(Float32Array.from(data), [1, size, size, 3])));
  const values = await probs.data();
  probs.dispose();
  return [...values.keys()]
    .sort((a, b) => values[b] - values[a])
    .slice(0, k)
    .map((index) => ({ index, probability: values[index] }));
}
