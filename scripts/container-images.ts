/**
 * Builds the container images of a synthesized local assembly and puts them into the emulator's ECR
 * before the stacks that run them deploy. The CDK CLI cannot do it against MiniStack 1.5.33: its
 * ECR answers DescribeImages for a missing tag with 200 and an empty list, which the CLI reads as
 * "already published", so it neither builds nor pushes (docs/local-emulator.md).
 *
 * For each image asset (`*.assets.json` `dockerImages`): `docker build` with the asset's build
 * arguments and platform, tagged as the task definition names it (`<account>.dkr.ecr.<region>...`),
 * then pushed through the emulator's registry API (`127.0.0.1:<port>/v2/`; Docker treats registries
 * on 127.0.0.0/8 as insecure, so no daemon setting is needed), and checked with DescribeImages.
 * The tasks then run from that tag in the local Docker cache: MiniStack pulls the ECR host name,
 * which does not resolve to the emulator, and falls back to the cached image.
 * Usage: tsx scripts/container-images.ts [cdk.out]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { EMULATOR, EMULATOR_CLIENT } from './local-outputs.js';

interface DockerImageAsset {
  readonly displayName?: string;
  readonly source: { directory: string; dockerBuildArgs?: Record<string, string>; platform?: string };
  readonly destinations: Record<string, { repositoryName: string; imageTag: string; region: string }>;
}

/** Label of every image this script builds, so `npm run local:down` removes exactly those. */
export const IMAGE_LABEL = 'storefront.local=service-image';

function assetManifests(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('assembly-') ? assetManifests(full) : [];
    return entry.name.endsWith('.assets.json') ? [full] : [];
  });
}

function docker(args: string[]): void {
  execFileSync('docker', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function main(): Promise<void> {
  const assembly = path.resolve(process.argv[2] ?? 'cdk.out');
  const registry = new URL(EMULATOR).host;
  const ecr = new ECRClient(EMULATOR_CLIENT);
  const account = '000000000000';
  let count = 0;
  for (const manifest of assetManifests(assembly)) {
    const images =
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { dockerImages?: Record<string, DockerImageAsset> }).dockerImages ?? {};
    for (const asset of Object.values(images)) {
      const context = path.resolve(path.dirname(manifest), asset.source.directory);
      for (const { repositoryName, imageTag, region } of Object.values(asset.destinations)) {
        const started = Date.now();
        const taskImage = `${account}.dkr.ecr.${region}.amazonaws.com/${repositoryName}:${imageTag}`;
        const pushed = `${registry}/${repositoryName}:${imageTag}`;
        const buildArgs = Object.entries(asset.source.dockerBuildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
        const platform = asset.source.platform ? ['--platform', asset.source.platform] : [];
        docker(['build', '-q', ...platform, ...buildArgs, '--label', IMAGE_LABEL, '-t', taskImage, '-t', pushed, context]);
        docker(['push', '-q', pushed]);
        const found = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }));
        if (!found.imageDetails?.length) throw new Error(`the emulator's ECR does not list ${repositoryName}:${imageTag} after the push`);
        console.error(`container-images: ${asset.displayName ?? imageTag.slice(0, 12)} -> ${pushed} (${Date.now() - started} ms)`);
        count++;
      }
    }
  }
  console.error(`container-images: ${count} image(s) in the emulator's ECR`);
}

main().catch((err: Error) => {
  console.error(`container-images: ${err.message}`);
  process.exit(1);
});
