import { ResourceStore1764400000000 } from './1764400000000-ResourceStore';
import { Auth1764600000000 } from './1764600000000-Auth';
import { SearchIndexes1764700000000 } from './1764700000000-SearchIndexes';
import { Subscriptions1764800000000 } from './1764800000000-Subscriptions';
import { ReportIndexes1764950000000 } from './1764950000000-ReportIndexes';
import { DropStringTrigram1765000000000 } from './1765000000000-DropStringTrigram';
import { ByteOrderKeys1765100000000 } from './1765100000000-ByteOrderKeys';
import { IndexStatistics1766000000000 } from './1766000000000-IndexStatistics';
import { LiveLastUpdated1766000100000 } from './1766000100000-LiveLastUpdated';
import { CompartmentRecordIndex1766000200000 } from './1766000200000-CompartmentRecordIndex';
import { ReportFacts1766500000000 } from './1766500000000-ReportFacts';
import { ReportQueueSkipsAudit1766500100000 } from './1766500100000-ReportQueueSkipsAudit';
import { OrderedSearchIndexes1767000000000 } from './1767000000000-OrderedSearchIndexes';
import { DropUnusedIndexes1767000100000 } from './1767000100000-DropUnusedIndexes';
import { AccessLogCompartment1767100000000 } from './1767100000000-AccessLogCompartment';
import { AccessLogRowSets1767200000000 } from './1767200000000-AccessLogRowSets';
import { ReferenceRowsInIdOrder1767300000000 } from './1767300000000-ReferenceRowsInIdOrder';
import { AccessLogReferenceLists1767400000000 } from './1767400000000-AccessLogReferenceLists';
import { Lz4Content1767500000000 } from './1767500000000-Lz4Content';
import { ReferenceListPendingList1767600000000 } from './1767600000000-ReferenceListPendingList';
import { StringRowsByKey1767700000000 } from './1767700000000-StringRowsByKey';
import { SearchQueries1767800000000 } from './1767800000000-SearchQueries';
import { ReportResidenceCommune1767900000000 } from './1767900000000-ReportResidenceCommune';
import { PatientNationalIdUnique1768000000000 } from './1768000000000-PatientNationalIdUnique';
import { PatientStationNumber1768100000000 } from './1768100000000-PatientStationNumber';
import { ReportRecordsNotCare1768200000000 } from './1768200000000-ReportRecordsNotCare';

/** Every migration in order; listed explicitly so compiled and TypeScript runs load the same set. */
export const migrations = [ResourceStore1764400000000, Auth1764600000000, SearchIndexes1764700000000, Subscriptions1764800000000, ReportIndexes1764950000000, DropStringTrigram1765000000000, ByteOrderKeys1765100000000, IndexStatistics1766000000000, LiveLastUpdated1766000100000, CompartmentRecordIndex1766000200000, ReportFacts1766500000000, ReportQueueSkipsAudit1766500100000, OrderedSearchIndexes1767000000000, DropUnusedIndexes1767000100000, AccessLogCompartment1767100000000, AccessLogRowSets1767200000000, ReferenceRowsInIdOrder1767300000000, AccessLogReferenceLists1767400000000, Lz4Content1767500000000, ReferenceListPendingList1767600000000, StringRowsByKey1767700000000, SearchQueries1767800000000, ReportResidenceCommune1767900000000, PatientNationalIdUnique1768000000000, PatientStationNumber1768100000000, ReportRecordsNotCare1768200000000];
