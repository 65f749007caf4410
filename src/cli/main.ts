#!/usr/bin/env node
/** The `guideseg` command line. */
import { Command } from 'commander';
import { ablateCommand } from './ablate_command';
import { benchCommand } from './bench_command';
import { classifyCommand } from './classify_command';
import { packageVersion } from '../util/package_root';
import { dataCommand } from './data_command';
import { demoCommand } from './demo_command';
import { demoContextCommand } from './demo_context_command';
import { evalCommand } from './eval_command';
import { exportCommand } from './export_command';
import { fitCrfCommand } from './fit_crf_command';
import { learnCombineCommand } from './learn_combine_command';
import { packCommand } from './pack_command';
import { plotCommand } from './plot_command';
import { predictCommand } from './predict_command';
import { refitClsCommand } from './refit_cls_command';
import { trainCommand } from './train_command';
import { webCommand } from './web_command';

const program = new Command('guideseg')
  .description('Semantic image segmentation guided by image classification (TensorFlow.js).')
  .version(packageVersion())
  .addCommand(trainCommand())
  .addCommand(evalCommand())
  .addCommand(predictCommand())
  .addCommand(fitCrfCommand())
  .addCommand(learnCombineCommand())
  .addCommand(refitClsCommand())
  .addCommand(ablateCommand())
  .addCommand(dataCommand())
  .addCommand(plotCommand())
  .addCommand(packCommand())
  .addCommand(exportCommand())
  .addCommand(benchCommand())
  .addCommand(classifyCommand())
  .addCommand(demoCommand())
  .addCommand(demoContextCommand())
  .addCommand(webCommand())
  .showHelpAfterError();

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`guideseg: ${err.message}\n`);
  process.exit(1);
});
