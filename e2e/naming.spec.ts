import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelFile } from '../src/shared/labels';
import { designRecord } from '../test/fixtures/labels';
import { jpeg } from '../test/fixtures/images';
import { expect, test, type LoupeApp } from './fixtures';

/**
 * Two shoots side by side that share the label folders beside them (the rule), a folder of this
 * shoot's own labels elsewhere, and names of which two do not match the naming pattern.
 */
async function shoots(
  app: LoupeApp,
): Promise<{ brandA: string; brandB: string; shared: string; own: string; ownPredicted: string }> {
  const root = join(app.photosDir, '..', 'shoots');
  const brandA = join(root, 'brandA');
  const brandB = join(root, 'brandB');
  const shared = join(root, 'alignment_labels');
  const own = join(root, 'labels-brandA');
  const ownPredicted = join(root, 'predicted-brandA');
  for (const d of [brandA, brandB, shared, join(own, 'archive'), ownPredicted]) await mkdir(d, { recursive: true });
  const names = [
    'PATEK_nab_001_01_front.jpg',
    'PATEK_nab_001_02.jpg',
    'OMEGA_spm_001_01.jpg',
    'IMG_0001.jpg',
    'DSC_7.jpg',
  ];
  for (const [i, n] of names.entries()) await writeFile(join(brandA, n), await jpeg(320 + 8 * i, 240));
  await writeFile(join(brandB, 'SEIKO_skx_001_01.jpg'), await jpeg(320, 240));
  const labels: LabelFile = { PATEK_nab_001_01: { ...designRecord(), full_image_name: 'PATEK_nab_001_01_front.jpg' } };
  await writeFile(join(own, 'PATEK_nab_001.json'), JSON.stringify(labels));
  return { brandA, brandB, shared, own, ownPredicted };
}

test.describe('Naming and label folders', () => {
  test('a banner for names the pattern misses leads to a live preview in Settings; other label folders can be chosen', async ({
    app,
  }) => {
    const { page } = app;
    const { brandA, brandB, shared, own, ownPredicted } = await shoots(app);
    await page.getByLabel('Folder path', { exact: true }).fill(brandA);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('image-count')).toHaveText('5');
    await expect(page.getByTestId('human-count')).toHaveText('0');

    // The banner: how many, and which.
    const banner = page.getByTestId('naming-banner');
    await expect(banner.getByTestId('naming-unmatched')).toHaveText(
      '2 of 5 file names do not match the naming pattern.',
    );
    await expect(banner).toContainText('DSC_7.jpg');
    await expect(banner).toContainText('IMG_0001.jpg');
    await app.screenshot('naming-banner');

    // It opens the pattern in Settings, previewing the folder's own names.
    await banner.getByTestId('naming-open-settings').click();
    await expect(page.getByRole('button', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
    const preview = page.getByTestId('naming-preview');
    const row = (name: string) => preview.locator('tr', { has: page.getByText(name, { exact: true }) });
    await expect(row('IMG_0001.jpg')).toHaveAttribute('data-named', 'false');
    await expect(row('IMG_0001.jpg')).toContainText('grouped by its folder as brandA');
    await expect(row('PATEK_nab_001_01_front.jpg').locator('td')).toHaveText([
      'PATEK_nab_001_01_front.jpg',
      'PATEK_nab_001',
      'nab',
      '01',
    ]);
    await expect(page.locator('#pattern')).toBeFocused();

    // The preview follows the pattern as it is typed, before anything is saved.
    const pattern = page.locator('#pattern');
    await pattern.fill('^(?<imageKey>(?<watchId>[A-Z]+)_(?<view>\\d+))$');
    await expect(row('IMG_0001.jpg')).toHaveAttribute('data-named', 'true');
    await expect(row('IMG_0001.jpg').locator('td')).toHaveText(['IMG_0001.jpg', 'IMG', '—', '0001']);
    await expect(row('PATEK_nab_001_01_front.jpg')).toHaveAttribute('data-named', 'false');
    await app.screenshot('naming-preview');
    await pattern.fill('^(?<watchId>.*)$');
    await expect(page.getByTestId('naming-section').getByRole('alert')).toContainText('imageKey');

    // Saved (leaving the field), the open folder is read again with it: now the other names miss.
    await pattern.fill('^(?<imageKey>(?<watchId>[A-Z]+)_(?<view>\\d+))$');
    await pattern.blur();
    await page.getByRole('button', { name: 'Keypoints' }).click();
    await expect(page.getByTestId('naming-unmatched')).toHaveText('3 of 5 file names do not match the naming pattern.');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('naming-section').getByRole('button', { name: 'Default' }).click();
    await page.getByRole('button', { name: 'Keypoints' }).click();
    await expect(page.getByTestId('naming-unmatched')).toHaveText('2 of 5 file names do not match the naming pattern.');

    // The label folders, with full paths, and the sibling shoot that shares them.
    const card = page.getByTestId('label-folders');
    await expect(card.getByTestId('label-folder-human-path')).toHaveText(shared);
    await expect(card.getByTestId('label-folder-human')).toContainText('beside the folder');
    await expect(card.getByTestId('label-folders-shared')).toContainText(brandB);

    // Choose this shoot's own human labels: they load from there.
    await card.getByTestId('choose-human-folder').click();
    const dialog = page.getByTestId('folder-browser');
    await dialog.getByLabel('Browse folder path').fill(own);
    await dialog.getByLabel('Browse folder path').press('Enter');
    await expect(dialog.getByRole('listitem').filter({ hasText: 'archive' })).toBeVisible();
    await dialog.getByTestId('use-folder').click();
    await expect(card.getByTestId('label-folder-human-path')).toHaveText(own);
    await expect(card.getByTestId('label-folder-human')).toContainText('chosen for this folder');
    await expect(page.getByTestId('human-count')).toHaveText('1');
    // brandB still shares the predictions folder beside both, not the human labels.
    await expect(card.getByTestId('label-folders-shared')).toContainText('(predictions)');

    // And its own predictions folder: Predict writes there, and nothing is shared any more.
    await card.getByTestId('choose-predicted-folder').click();
    await dialog.getByLabel('Browse folder path').fill(ownPredicted);
    await dialog.getByLabel('Browse folder path').press('Enter');
    await expect(dialog.getByText('No folders here')).toBeVisible();
    await dialog.getByTestId('use-folder').click();
    await expect(card.getByTestId('label-folder-predicted-path')).toHaveText(ownPredicted);
    await expect(card.getByTestId('label-folders-shared')).toHaveCount(0);
    await page.getByTestId('predict').click();
    await expect(page.getByTestId('predicted-count')).toHaveText('4', { timeout: 120_000 });
    const written = (await readdir(ownPredicted)).filter((f) => !f.startsWith('.') && f.endsWith('.json')).sort();
    expect(written).toEqual(['OMEGA_spm_001.json', 'PATEK_nab_001.json', 'brandA.json']);
    expect(await readdir(shared)).toEqual([]);
    await app.screenshot('label-folders-chosen');

    // Remembered: opened again (after a reload of the page), the folder reads the chosen labels.
    await page.reload();
    await page.getByLabel('Folder path', { exact: true }).fill(brandA);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('human-count')).toHaveText('1');
    await expect(page.getByTestId('label-folder-human-path')).toHaveText(own);
  });
});
