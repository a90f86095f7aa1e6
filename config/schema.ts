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
    plainListeners: Type.Boolean({ default: true, description: 'Listen in clear text (port, wsPort). Turn off once every device speaks TLS (tlsPort, wssPort).' }),
    tlsPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8883, description: 'MQTT over TLS (mqtts) port, used when tlsCertFile and tlsKeyFile are set (0 = any free port).' }),
    wssPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8084, description: 'MQTT over secure WebSocket (wss, path /mqtt) port, used when tlsCertFile and tlsKeyFile are set (0 = any free port).' }),
    tlsCertFile: Type.String({ default: '', description: 'PEM certificate (with its chain) of the MQTT TLS listeners (empty: no TLS listener).' }),
    tlsKeyFile: Type.String({ default: '', description: 'PEM private key of tlsCertFile.' }),
    tlsCaFile: Type.String({ default: '', description: 'PEM CA bundle sent with the certificate chain (optional).' }),
    maxConnections: Type.Integer({ minimum: 0, default: 0, description: 'Connected devices at most; beyond, CONNACK 3 "server unavailable" (0 = derived from the open-file limit, keeping fileReserve).' }),
    fileReserve: Type.Integer({ minimum: 64, default: 1024, description: 'Open files kept free for the spool, the registry, InfluxDB and HTTP when the connection cap is derived.' }),
    maxPendingConnects: Type.Integer({ minimum: 1, default: 2000, description: 'Sockets that have not sent CONNECT yet, at most; beyond, new sockets are closed at once.' }),
    connectsPerAddressPerSec: Type.Integer({ minimum: 0, default: 100, description: 'New connections one address may open per second, with a burst of 10 s worth (a school behind one NAT reconnecting after a power cut); 0 = no limit.' }),
    connectRateExempt: Type.Array(Type.String(), { default: ['127.0.0.1', '::1', '::ffff:127.0.0.1'], description: 'Addresses without the per-address connection rate (the simulator and a local edge node).' }),
    publishRatePerSec: Type.Number({ minimum: 0, default: 20, description: "A device's sustained PUBLISH rate; beyond, it is throttled (its packets wait, nothing is dropped) and shown to technicians (0 = no limit)." }),
    publishBurst: Type.Integer({ minimum: 1, default: 600, description: "PUBLISH packets a device may send at once before the rate applies (a backlog after an outage)." }),
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
    spoolMaxBytes: Type.Integer({ minimum: 65536, default: 4294967296, description: 'Disk budget of the spool; when it is full, devices get no PUBACK (back-pressure) until InfluxDB has taken readings out.' }),
  }),
  dashboard: Type.Object({
    host: Type.String({ default: '0.0.0.0', description: 'Address the dashboard binds to.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Dashboard HTTP port (0 = any free port).' }),
    sessionSecret: Type.String({ default: '', description: 'Cookie signing secret, 32+ chars (empty: generated once and kept in dataDir).' }),
    liveIntervalMs: Type.Integer({ minimum: 50, default: 1000, description: 'How often coalesced live updates are pushed to browsers.' }),
    secureCookies: Type.Boolean({ default: false, description: 'Mark session cookies Secure even over plain HTTP (behind an HTTPS proxy). Served over HTTPS (tlsCertFile), they always are.' }),
    tlsCertFile: Type.String({ default: '', description: 'PEM certificate (with its chain) to serve the dashboard over HTTPS (empty: HTTP).' }),
    tlsKeyFile: Type.String({ default: '', description: 'PEM private key of tlsCertFile.' }),
    sessionMaxAgeH: Type.Number({ minimum: 0.01, default: 12, description: 'Absolute session lifetime, hours: a login ends after it whatever the activity.' }),
    allowedOrigins: Type.Array(Type.String(), { default: [], description: 'Origins besides the dashboard\'s own that may send state-changing requests (e.g. https://edufleet.sogddt.gov.vn behind a proxy).' }),
    loginsPerAddressPerMin: Type.Integer({ minimum: 1, default: 20, description: 'Login attempts one address may make per minute.' }),
    loginsPerUserPerMin: Type.Integer({ minimum: 1, default: 5, description: 'Login attempts on one user name per minute (from any address).' }),
    metricsToken: Type.String({ default: '', description: 'Bearer token for /metrics from other hosts (empty: /metrics answers loopback only).' }),
    exportsPerUserPerMin: Type.Integer({ minimum: 1, default: 6, description: 'Export and report jobs one user may start per minute.' }),
  }),
  imports: Type.Object({
    maxUploadBytes: Type.Integer({ minimum: 1024, default: 20971520, description: 'Largest uploaded CSV or XLSX file.' }),
    maxUncompressedBytes: Type.Integer({ minimum: 1024, default: 104857600, description: 'An XLSX whose parts unpack to more than this is refused before it is parsed (a zip bomb).' }),
    maxRows: Type.Integer({ minimum: 1, default: 100000, description: 'Rows of an uploaded sheet at most.' }),
    maxColumns: Type.Integer({ minimum: 1, default: 200, description: 'Columns of an uploaded sheet at most.' }),
    parseMemoryMb: Type.Integer({ minimum: 32, default: 512, description: 'Heap of the worker that parses an upload: a sheet that needs more fails alone, the dashboard stays up.' }),
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
