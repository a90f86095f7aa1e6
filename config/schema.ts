import { Type, type Static } from '@sinclair/typebox';

/**
 * Every option EduFleet reads, with its default and a one-line description. Environment variables are derived from
 * the path: `influx.url` ↔ `EDUFLEET_INFLUX_URL`, `dataDir` ↔ `EDUFLEET_DATA_DIR`. docs/configuration.md lists them.
 */
export const ConfigSchema = Type.Object({
  dataDir: Type.String({ default: './data', description: 'Where the registry, the spool, secrets and the managed InfluxDB live.' }),
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')], { default: 'info', description: 'Log level (pino).' }),
  mqtt: Type.Object({
    host: Type.String({ default: '0.0.0.0', description: 'Address the MQTT listeners bind to.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: 'MQTT over TCP port (0 = any free port).' }),
    wsPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8083, description: 'MQTT over WebSocket port, path /mqtt (0 = any free port).' }),
    maxPayloadBytes: Type.Integer({ minimum: 256, default: 262144, description: 'Largest PUBLISH payload accepted; bigger packets drop the connection.' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'Time a socket has to send CONNECT.' }),
    keepaliveLimitS: Type.Integer({ minimum: 0, default: 600, description: 'Longest keepalive a device may ask for, seconds.' }),
    maxTopicLevels: Type.Integer({ minimum: 4, maximum: 100, default: 8, description: 'Deepest topic accepted in PUBLISH and SUBSCRIBE.' }),
    maxInflight: Type.Integer({ minimum: 1, default: 1000, description: 'QoS 1 / 2 messages one device may have waiting for their acknowledgement.' }),
    publicUrl: Type.String({ default: '', description: 'The broker address devices are given (device labels, set-up), e.g. mqtt://mqtt.sogddt.laocai.gov.vn:1883 (empty: this host name and port).' }),
  }),
  influx: Type.Object({
    url: Type.String({ default: '', description: 'InfluxDB v1 API URL, e.g. http://127.0.0.1:8086. Empty: start and manage a local influxd under dataDir.' }),
    database: Type.String({ default: 'edufleet', description: 'Database for telemetry, presence and rejections.' }),
    username: Type.String({ default: '', description: 'InfluxDB user (empty: no authentication).' }),
    password: Type.String({ default: '', description: 'InfluxDB password.' }),
    rawRetention: Type.String({ default: '90d', description: 'How long raw readings are kept (InfluxDB duration).' }),
    rollupRetention: Type.String({ default: '1825d', description: 'How long hourly rollups are kept (InfluxDB duration).' }),
    managedBinary: Type.String({ default: 'influxd', description: 'The influxd binary used when EduFleet manages InfluxDB itself.' }),
  }),
  gateway: Type.Object({
    spoolDir: Type.String({ default: '', description: 'Durable spool directory (empty: dataDir/spool).' }),
    batchMaxPoints: Type.Integer({ minimum: 1, default: 5000, description: 'Points per InfluxDB write at most.' }),
    flushIntervalMs: Type.Integer({ minimum: 1, default: 250, description: 'Longest time a spooled point waits for a fuller batch.' }),
    groupCommitMs: Type.Integer({ minimum: 0, default: 2, description: 'How long the spool gathers appends before one fsync.' }),
    retryMaxMs: Type.Integer({ minimum: 100, default: 10000, description: 'Longest back-off between failed InfluxDB writes.' }),
    maxFutureSkewMs: Type.Integer({ minimum: 0, default: 300000, description: 'A device time further ahead than this is replaced by server time.' }),
    segmentBytes: Type.Integer({ minimum: 4096, default: 67108864, description: 'Spool segment size before rotation.' }),
  }),
  dashboard: Type.Object({
    host: Type.String({ default: '0.0.0.0', description: 'Address the dashboard binds to.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Dashboard HTTP port (0 = any free port).' }),
    sessionSecret: Type.String({ default: '', description: 'Cookie signing secret, 32+ chars (empty: generated once and kept in dataDir).' }),
    liveIntervalMs: Type.Integer({ minimum: 50, default: 1000, description: 'How often coalesced live updates are pushed to browsers.' }),
    secureCookies: Type.Boolean({ default: false, description: 'Mark session cookies Secure (behind HTTPS).' }),
  }),
  reports: Type.Object({
    smtpUrl: Type.String({ default: '', description: 'SMTP server for the monthly planning reports, e.g. smtp://user:pass@mail.sogddt.gov.vn:587 (empty: no e-mail).' }),
    from: Type.String({ default: 'EduFleet <edufleet@localhost>', description: 'Sender of report e-mails.' }),
    monthlyCron: Type.String({ default: '0 7 1 * *', description: 'When the monthly reports go out (cron, Asia/Ho_Chi_Minh): by default 07:00 on the 1st, for the month before.' }),
  }),
  registry: Type.Object({
    url: Type.String({ default: '', description: 'PostgreSQL URL for the registry, the report store and the login sessions, e.g. postgres://edufleet@127.0.0.1:5432/edufleet (empty: SQLite files in dataDir).' }),
  }),
  usage: Type.Object({
    analyseIntervalMs: Type.Integer({ minimum: 0, default: 300000, description: 'How often room usage of today and yesterday is analysed from raw readings (0 = never; `edufleet usage analyse` still works).' }),
  }),
  alerts: Type.Object({
    enabled: Type.Boolean({ default: true, description: 'Judge device health and raise alerts (docs/alerts.md). Off: no signals are recorded and no rule is evaluated.' }),
    flushMs: Type.Integer({ minimum: 50, default: 2000, description: 'How often a gateway writes the health signals of the devices that changed to the registry (the shared live state).' }),
    evaluateMs: Type.Integer({ minimum: 50, default: 5000, description: 'How often the alert engine judges the devices whose signals changed (the rules work in minutes: a few seconds more cost nothing, and a province of 20,000 devices is judged in fewer, larger passes).' }),
    sweepMs: Type.Integer({ minimum: 100, default: 30000, description: 'How often the alert engine judges every device (time-based rules: offline, no data, a stuck value).' }),
    groupWindowMs: Type.Integer({ minimum: 0, default: 60000, description: 'Notifications to one recipient within this window go out as one grouped message.' }),
    digestAt: Type.String({ default: '07:00', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time (Asia/Ho_Chi_Minh) of the daily digest per school.' }),
    smtpUrl: Type.String({ default: '', description: 'SMTP server for alert e-mails (empty: the reports.smtpUrl; both empty: no e-mail).' }),
    from: Type.String({ default: 'EduFleet <canh-bao@localhost>', description: 'Sender of alert e-mails.' }),
    dashboardUrl: Type.String({ default: '', description: 'Public address of the dashboard, for links in e-mails and webhooks (e.g. https://edufleet.sogddt.gov.vn).' }),
  }),
  commands: Type.Object({
    watchMs: Type.Integer({ minimum: 50, default: 2000, description: 'How often running bulk runs are checked: the abort rule applied, finished runs ended (docs/commands.md).' }),
    scheduleReloadMs: Type.Integer({ minimum: 100, default: 30000, description: 'How often the scheduler re-reads the schedules (edited in any process) and looks for a run it has not fired.' }),
    graceMin: Type.Integer({ minimum: 0, default: 15, description: 'A schedule run missed while EduFleet was down is fired at start if it is at most this many minutes late, else recorded as missed.' }),
  }),
});

export type Config = Static<typeof ConfigSchema>;
