import { createDataSource } from './src/db/datasource';
import { loadConfig } from './src/config/config';

/** DataSource for the TypeORM CLI (e.g. `npx typeorm migration:show -d dist/ormconfig.js`). */
const config = loadConfig();
export default createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
