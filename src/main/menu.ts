import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/ipc';

/** The native menu; commands go to the renderer as `menu:command` events. */
export function buildMenu(send: (command: MenuCommand) => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => send('open-folder') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Keypoints', accelerator: 'CmdOrCtrl+1', click: () => send('show-keypoints') },
        { label: 'Compare', accelerator: 'CmdOrCtrl+2', click: () => send('show-compare') },
        { label: 'Models', accelerator: 'CmdOrCtrl+3', click: () => send('show-models') },
        { label: 'Settings', accelerator: 'CmdOrCtrl+,', click: () => send('show-settings') },
        { label: 'Jobs Panel', accelerator: 'CmdOrCtrl+J', click: () => send('toggle-jobs') },
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `Loupe ${app.getVersion()}`, enabled: false }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
