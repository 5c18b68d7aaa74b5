import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiContext, resolveApi } from './lib/api';
import { AppStoreContext, createAppStore } from './store/app-store';
import './styles.css';

const api = resolveApi();
const store = createAppStore(api);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ApiContext.Provider value={api}>
      <AppStoreContext.Provider value={store}>
        <App />
      </AppStoreContext.Provider>
    </ApiContext.Provider>
  </StrictMode>,
);
