/*
 * libclaims dashboard.  Everything shown comes from this server's API
 * (spec/api.md) and its WebSocket; charts are drawn here as SVG.  The page
 * has no inline script or style (Content-Security-Policy: self only).
 *
 * Authentication: the page first asks a route that is not exempt
 * (/api/v1/health/detailed); a 401 means a token is required, and the sign-in
 * form posts to /api/v1/auth/token.  The token is kept in sessionStorage and
 * sent as "Authorization: Bearer", and as ?token= on the WebSocket.
 *
 * Every number shown carries its API value in a data-value attribute, and
 * <body data-state> becomes "ready" once a full refresh is on screen (the
 * headless browser test reads both).
 */
'use strict';

(function () {
	const TOKEN_KEY = 'claims_token';
	/* A refresh is 7 requests: every 30 s, or 15 s after the last one when
	 * events said the data changed (at most 28 requests a minute, under the
	 * default rate limit of 60). */
	const REFRESH_MS = 30000;
	const EVENT_REFRESH_MS = 15000;
	const TICK_MS = 5000;
	const FEED_MAX = 50;
	const SVG_NS = 'http://www.w3.org/2000/svg';
	/* Events after which the totals may have changed. */
	const REFRESHING_EVENTS = new Set(['claim_processed', 'remittance_processed',
		'episode_linked', 'episode_completed', 'episode_status_changed', 'file_processed',
		'risk_score_calculated', 'job_failed']);

	const state = {
		token: null,
		skip: 0,
		limit: 25,
		filters: {},
		payers: new Map(),
		ws: null,
		wsDelay: 1000,
		wsTimer: null,
		refreshTimer: null,
		dirty: false,
		lastRefresh: 0,
		refreshing: null,
		started: false,
	};

	/* ------------------------------------------------------------ helpers */

	const $ = (id) => document.getElementById(id);

	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined)
				continue;
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = v;
			else
				e.setAttribute(k, v);
		}
		for (const c of children)
			e.append(c);
		return e;
	}

	function svg(tag, attrs) {
		const e = document.createElementNS(SVG_NS, tag);
		for (const [k, v] of Object.entries(attrs || {}))
			e.setAttribute(k, v);
		return e;
	}

	const intFmt = new Intl.NumberFormat('en-US');
	const moneyFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

	function fmtInt(n) {
		return intFmt.format(n);
	}

	function fmtMoney(x) {
		return moneyFmt.format(x);
	}

	/* A ratio with 4 decimals as a percentage with 2 (0.1234 -> "12.34%"). */
	function fmtRatio(r) {
		return (Math.round(r * 10000) / 100).toFixed(2) + '%';
	}

	/* A percentage with 2 decimals (66.67 -> "66.67%"). */
	function fmtPercent(p) {
		return Number(p).toFixed(2) + '%';
	}

	function fmtBytes(n) {
		if (n < 1024)
			return fmtInt(n) + ' B';
		const units = ['KiB', 'MiB', 'GiB'];
		let v = n / 1024;
		let i = 0;
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return v.toFixed(1) + ' ' + units[i];
	}

	/* Show @p text in element @p id and keep the API's value beside it. */
	function setNum(id, value, text) {
		const e = $(id);
		e.dataset.value = String(value);
		e.textContent = text;
	}

	class AuthRequired extends Error {}

	class ApiError extends Error {
		constructor(status, body) {
			super((body && body.message) || ('HTTP ' + status));
			this.status = status;
			this.body = body;
		}
	}

	async function api(path, options) {
		const opts = Object.assign({ cache: 'no-store' }, options || {});
		opts.headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
		if (state.token)
			opts.headers.Authorization = 'Bearer ' + state.token;
		const resp = await fetch(path, opts);
		let body = null;
		try {
			body = await resp.json();
		} catch (e) {
			body = null;
		}
		if (resp.status === 401)
			throw new AuthRequired(body && body.message);
		if (!resp.ok)
			throw new ApiError(resp.status, body);
		return body;
	}

	function showError(message) {
		const e = $('error');
		e.textContent = message || '';
		e.hidden = !message;
	}

	/* ------------------------------------------------------------ charts */

	/*
	 * A horizontal bar chart: one row per item {key, label, value, text, cls,
	 * title, data: {name: value}}; bars are scaled to @p max (or the largest
	 * value).  Drawn with SVG attributes only (no style attributes).
	 */
	function barChart(container, items, options) {
		const opts = Object.assign({ max: null, empty: 'No data yet' }, options || {});
		container.textContent = '';
		if (!items.length) {
			container.append(el('p', { class: 'muted empty', text: opts.empty }));
			return;
		}
		const width = 520, labelW = 150, valueW = 120, rowH = 26, gap = 6;
		const barW = width - labelW - valueW;
		const height = items.length * (rowH + gap);
		const max = opts.max !== null ? opts.max : Math.max(1, ...items.map((i) => i.value));
		const root = svg('svg', {
			viewBox: `0 0 ${width} ${height}`, class: 'bars', role: 'img',
			'aria-label': container.getAttribute('aria-label') || 'chart',
		});
		items.forEach((item, i) => {
			const y = i * (rowH + gap);
			const g = svg('g', { class: 'bar ' + (item.cls || ''), 'data-key': item.key });
			for (const [k, v] of Object.entries(item.data || {}))
				g.setAttribute('data-' + k, String(v));
			const title = svg('title', {});
			title.textContent = item.title || `${item.label}: ${item.text}`;
			g.append(title);
			const label = svg('text', { x: labelW - 8, y: y + rowH / 2, class: 'label',
				'text-anchor': 'end', 'dominant-baseline': 'middle' });
			label.textContent = item.label.length > 22 ? item.label.slice(0, 21) + '…'
				: item.label;
			g.append(label);
			g.append(svg('rect', { x: labelW, y: y, width: barW, height: rowH, class: 'track',
				rx: 3 }));
			const w = max > 0 ? Math.max(item.value > 0 ? 2 : 0, barW * item.value / max) : 0;
			g.append(svg('rect', { x: labelW, y: y, width: w.toFixed(1), height: rowH,
				class: 'fill', rx: 3 }));
			const value = svg('text', { x: labelW + barW + 8, y: y + rowH / 2, class: 'value',
				'dominant-baseline': 'middle' });
			value.textContent = item.text;
			g.append(value);
			root.append(g);
		});
		container.append(root);
	}

	function drawRisk(levels) {
		const names = ['low', 'medium', 'high', 'critical', 'unscored'];
		barChart($('chart-risk'), names.map((k) => ({
			key: k, label: k, value: levels[k], text: fmtInt(levels[k]),
			cls: 'risk-' + k, data: { count: levels[k] },
		})), { empty: 'No claims yet' });
	}

	function drawPayers(rows) {
		barChart($('chart-payers'), rows.map((p) => ({
			key: String(p.payer_id), label: p.payer_name || ('payer ' + p.payer_id),
			value: p.denial_rate, cls: 'rate',
			text: `${fmtRatio(p.denial_rate)} (${fmtInt(p.denied_episodes)}/${fmtInt(p.adjudicated_episodes)})`,
			title: `${p.payer_name}: ${p.denied_episodes} of ${p.adjudicated_episodes} adjudicated episodes denied`,
			data: { 'payer-id': p.payer_id, rate: p.denial_rate, denied: p.denied_episodes,
				adjudicated: p.adjudicated_episodes },
		})), { max: Math.max(0.0001, ...rows.map((p) => p.denial_rate)),
			empty: 'No adjudicated episodes yet' });
	}

	function drawCodes(rows) {
		barChart($('chart-codes'), rows.map((c) => ({
			key: c.code, label: c.code, value: c.episodes, text: fmtInt(c.episodes),
			cls: 'code', title: `${c.code}: ${c.description || 'claim denied without a denial CARC'}`,
			data: { code: c.code, count: c.episodes },
		})), { empty: 'No denials yet' });
	}

	/* ------------------------------------------------------------ panels */

	function showSummary(s) {
		setNum('total-claims', s.claims, fmtInt(s.claims));
		setNum('total-remittances', s.remittances, fmtInt(s.remittances));
		setNum('total-episodes', s.episodes, fmtInt(s.episodes));
		setNum('total-paid', s.paid_amount, fmtMoney(s.paid_amount));
		setNum('denial-rate', s.denial_rate, fmtRatio(s.denial_rate));
		setNum('denied-episodes', s.denied_episodes, fmtInt(s.denied_episodes));
		setNum('adjudicated-episodes', s.adjudicated_episodes, fmtInt(s.adjudicated_episodes));
		drawRisk(s.risk_levels);
		drawPayers(s.denial_rate_by_payer);
		drawCodes(s.top_denial_codes);
	}

	function showHealth(h) {
		const badge = $('health');
		badge.dataset.status = h.status;
		badge.textContent = 'health: ' + h.status;
		const list = $('health-components');
		list.textContent = '';
		for (const [name, c] of Object.entries(h.components || {})) {
			let detail = '';
			if (name === 'database' && c.schema_version !== undefined)
				detail = `schema ${c.schema_version}, ${c.response_time_ms} ms`;
			else if (name === 'cache')
				detail = `${fmtInt(c.entries)} entries`;
			else if (name === 'worker')
				detail = `${c.threads} threads, ${c.queued_jobs} queued, ${c.running_jobs} running`;
			else if (c.error)
				detail = c.error;
			list.append(el('li', { 'data-component': name, 'data-status': c.status },
				el('span', { class: 'badge', 'data-status': c.status, text: c.status }),
				' ' + name + (detail ? ' — ' + detail : '')));
		}
	}

	function showCache(c) {
		const o = c.overall;
		setNum('cache-hit-rate', o.hit_rate, fmtPercent(o.hit_rate));
		setNum('cache-hits', o.hits, fmtInt(o.hits));
		setNum('cache-misses', o.misses, fmtInt(o.misses));
		setNum('cache-entries', o.entries, fmtInt(o.entries));
		setNum('cache-bytes', o.bytes, fmtBytes(o.bytes));
		setNum('cache-evictions', o.evictions, fmtInt(o.evictions));
	}

	function showJobs(list) {
		const body = $('jobs-table').tBodies[0];
		body.textContent = '';
		if (!list.jobs.length) {
			body.append(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No jobs' })));
			return;
		}
		for (const j of list.jobs) {
			body.append(el('tr', { 'data-id': j.id },
				el('td', { text: String(j.id) }),
				el('td', { text: j.filename, title: j.filename }),
				el('td', {}, el('span', { class: 'badge', 'data-status': j.status,
					text: j.status })),
				el('td', { class: 'right', text: fmtRatio(j.progress) })));
		}
	}

	function payerName(id) {
		if (id === null || id === undefined)
			return '—';
		return state.payers.get(id) || ('#' + id);
	}

	function showPayers(list) {
		state.payers = new Map(list.payers.map((p) => [p.id, p.name]));
		const select = $('filter-payer');
		const current = select.value;
		select.textContent = '';
		select.append(el('option', { value: '', text: 'any' }));
		for (const p of list.payers)
			select.append(el('option', { value: String(p.id), text: p.name }));
		select.value = current || state.filters.payer_id || '';
	}

	function showClaims(list) {
		const body = $('claims-table').tBodies[0];
		body.textContent = '';
		for (const c of list.claims) {
			const charge = c.total_charge_amount;
			body.append(el('tr', { 'data-id': c.id },
				el('td', { text: String(c.id) }),
				el('td', { text: c.claim_control_number }),
				el('td', {}, el('span', { class: 'badge', 'data-status': c.status,
					text: c.status })),
				el('td', { text: payerName(c.payer_id) }),
				el('td', { class: 'right', 'data-value': charge === null ? '' : String(charge),
					text: charge === null ? '—' : fmtMoney(charge) }),
				el('td', { text: c.service_date || '—' }),
				el('td', { text: c.created_at.replace('T', ' ').replace('Z', '') })));
		}
		if (!list.claims.length)
			body.append(el('tr', {}, el('td', { colspan: 7, class: 'muted',
				text: 'No claims match' })));
		const range = $('claims-range');
		range.dataset.total = String(list.total);
		range.dataset.skip = String(list.skip);
		range.dataset.limit = String(list.limit);
		const first = list.claims.length ? list.skip + 1 : 0;
		const last = list.skip + list.claims.length;
		range.textContent = `${fmtInt(first)}–${fmtInt(last)} of ${fmtInt(list.total)}`;
		state.skip = list.skip;
		state.limit = list.limit;
		$('page-prev').disabled = list.skip === 0;
		$('page-next').disabled = last >= list.total;
	}

	function claimsQuery() {
		const q = new URLSearchParams({ skip: String(state.skip), limit: String(state.limit) });
		for (const [k, v] of Object.entries(state.filters)) {
			if (v)
				q.set(k, v);
		}
		return '/api/v1/claims?' + q.toString();
	}

	async function loadClaims() {
		const err = $('claims-error');
		try {
			showClaims(await api(claimsQuery()));
			err.hidden = true;
		} catch (e) {
			if (e instanceof AuthRequired)
				throw e;
			const details = e.body && Array.isArray(e.body.details) ?
				e.body.details.map((d) => `${d.loc[d.loc.length - 1]}: ${d.msg}`).join('; ') : '';
			err.textContent = e.message + (details ? ' — ' + details : '');
			err.hidden = false;
			$('claims-table').tBodies[0].textContent = '';
			$('claims-range').textContent = '–';
		}
	}

	/* ------------------------------------------------------------ refresh */

	async function refreshOnce() {
		const [summary, health, unlinked, jobs, payers] = await Promise.all([
			api('/api/v1/stats/summary'),
			api('/api/v1/health/detailed'),
			api('/api/v1/claims/unlinked?limit=1'),
			api('/api/v1/jobs?limit=5'),
			api('/api/v1/payers?limit=1000'),
		]);
		showPayers(payers);
		await loadClaims();
		showSummary(summary);
		showHealth(health);
		setNum('unlinked-claims', unlinked.total, fmtInt(unlinked.total));
		showJobs(jobs);
		/* Last: the other reads above have made their cache lookups. */
		showCache(await api('/api/v1/cache/stats'));
		state.lastRefresh = Date.now();
	}

	async function refresh() {
		if (state.refreshing)
			return state.refreshing;
		state.refreshing = (async () => {
			try {
				await refreshOnce();
				showError('');
				document.body.dataset.state = 'ready';
			} catch (e) {
				if (e instanceof AuthRequired) {
					needLogin(state.token ? 'Your session has ended; sign in again.' : '');
					return;
				}
				showError('Could not load the dashboard: ' + e.message);
				document.body.dataset.state = 'error';
			} finally {
				state.refreshing = null;
			}
		})();
		return state.refreshing;
	}

	/* Every TICK_MS: refresh when the data is older than REFRESH_MS, or than
	 * EVENT_REFRESH_MS after an event said it changed. */
	function tick() {
		const age = Date.now() - state.lastRefresh;
		if (age >= REFRESH_MS || (state.dirty && age >= EVENT_REFRESH_MS)) {
			state.dirty = false;
			refresh();
		}
	}

	/* ------------------------------------------------------------ live feed */

	function setLive(status, text) {
		const b = $('live-status');
		b.dataset.status = status;
		b.textContent = 'live: ' + text;
	}

	function addEvent(msg) {
		const feed = $('feed');
		const time = (msg.timestamp || '').replace(/^.*T/, '').replace('Z', '');
		const li = el('li', { 'data-type': msg.type || '' },
			el('time', { datetime: msg.timestamp || '', text: time }),
			el('span', { class: 'badge', 'data-type': msg.type || '', text: msg.type || '?' }),
			el('span', { class: 'message', text: msg.message || '' }));
		const none = $('feed-empty');
		if (none)
			none.remove();
		feed.prepend(li);
		while (feed.children.length > FEED_MAX)
			feed.lastElementChild.remove();
	}

	function connectLive() {
		if (state.ws)
			return;
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		let url = `${scheme}//${location.host}/ws/notifications`;
		if (state.token)
			url += '?token=' + encodeURIComponent(state.token);
		let ws;
		try {
			ws = new WebSocket(url);
		} catch (e) {
			setLive('down', 'unavailable');
			return;
		}
		state.ws = ws;
		setLive('connecting', 'connecting');
		ws.addEventListener('open', () => {
			state.wsDelay = 1000;
			setLive('up', 'connected');
		});
		ws.addEventListener('message', (ev) => {
			let msg;
			try {
				msg = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			if (!msg || typeof msg !== 'object')
				return;
			if (msg.type === 'ack')
				return;
			addEvent(msg);
			if (REFRESHING_EVENTS.has(msg.type))
				state.dirty = true;
		});
		ws.addEventListener('close', (ev) => {
			state.ws = null;
			if (!state.started)
				return;
			if (ev.code === 4401) {
				needLogin('Your session has ended; sign in again.');
				return;
			}
			setLive('down', 'disconnected');
			state.wsTimer = setTimeout(connectLive, state.wsDelay);
			state.wsDelay = Math.min(state.wsDelay * 2, 30000);
		});
	}

	function stopLive() {
		if (state.wsTimer)
			clearTimeout(state.wsTimer);
		state.wsTimer = null;
		if (state.ws) {
			const ws = state.ws;
			state.ws = null;
			ws.close();
		}
	}

	/* ------------------------------------------------------------ sign in */

	function needLogin(message) {
		stop();
		state.token = null;
		sessionStorage.removeItem(TOKEN_KEY);
		$('main').hidden = true;
		$('logout').hidden = true;
		$('login').hidden = false;
		$('login-error').textContent = message || '';
		setLive('down', 'signed out');
		document.body.dataset.state = 'login';
		$('login-username').focus();
	}

	async function login(ev) {
		ev.preventDefault();
		const err = $('login-error');
		err.textContent = '';
		try {
			const resp = await fetch('/api/v1/auth/token', {
				method: 'POST', cache: 'no-store',
				headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
				body: JSON.stringify({ username: $('login-username').value,
					password: $('login-password').value }),
			});
			const body = await resp.json().catch(() => null);
			if (!resp.ok || !body || !body.access_token) {
				err.textContent = (body && body.message) || ('Sign-in failed (HTTP ' +
					resp.status + ')');
				return;
			}
			state.token = body.access_token;
			sessionStorage.setItem(TOKEN_KEY, state.token);
			$('login-password').value = '';
			start();
		} catch (e) {
			err.textContent = 'Sign-in failed: ' + e.message;
		}
	}

	function logout() {
		needLogin('Signed out.');
	}

	/* ------------------------------------------------------------ start */

	function stop() {
		state.started = false;
		if (state.refreshTimer)
			clearInterval(state.refreshTimer);
		state.refreshTimer = null;
		state.dirty = false;
		stopLive();
	}

	async function start() {
		$('login').hidden = true;
		$('main').hidden = false;
		$('logout').hidden = !state.token;
		state.started = true;
		await refresh();
		if (!state.started)
			return; /* the first refresh asked for a token */
		connectLive();
		state.refreshTimer = setInterval(tick, TICK_MS);
	}

	/* The claims table's filters and page, as inputs of the form. */
	const FILTER_INPUTS = {
		status: 'filter-status',
		payer_id: 'filter-payer',
		service_date_from: 'filter-from',
		service_date_to: 'filter-to',
	};

	function readFilters() {
		state.filters = {};
		for (const [name, id] of Object.entries(FILTER_INPUTS)) {
			if ($(id).value)
				state.filters[name] = $(id).value;
		}
		state.limit = Number($('filter-limit').value) || 25;
		state.skip = 0;
		syncAddress();
	}

	/* The address shows the table's filters and page (a link reopens it);
	 * the API validates them. */
	function syncAddress() {
		const q = new URLSearchParams(state.filters);
		if (state.limit !== 25)
			q.set('limit', String(state.limit));
		if (state.skip)
			q.set('skip', String(state.skip));
		const qs = q.toString();
		history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
	}

	function filtersFromAddress() {
		const q = new URLSearchParams(location.search);
		for (const [name, id] of Object.entries(FILTER_INPUTS)) {
			const v = q.get(name);
			if (v) {
				state.filters[name] = v;
				$(id).value = v;
			}
		}
		const limit = q.get('limit');
		if (limit) {
			const select = $('filter-limit');
			if (![...select.options].some((o) => o.value === limit))
				select.append(el('option', { value: limit, text: limit }));
			select.value = limit;
			state.limit = limit;
		}
		if (q.get('skip'))
			state.skip = q.get('skip');
	}

	function wire() {
		$('login-form').addEventListener('submit', login);
		$('logout').addEventListener('click', logout);
		$('claims-filters').addEventListener('submit', (ev) => {
			ev.preventDefault();
			readFilters();
			loadClaims().catch(() => needLogin(''));
		});
		$('claims-filters').addEventListener('reset', () => {
			setTimeout(() => {
				readFilters();
				loadClaims().catch(() => needLogin(''));
			}, 0);
		});
		$('page-prev').addEventListener('click', () => {
			state.skip = Math.max(0, Number(state.skip) - Number(state.limit));
			syncAddress();
			loadClaims().catch(() => needLogin(''));
		});
		$('page-next').addEventListener('click', () => {
			state.skip = Number(state.skip) + Number(state.limit);
			syncAddress();
			loadClaims().catch(() => needLogin(''));
		});
	}

	async function init() {
		wire();
		filtersFromAddress();
		state.token = sessionStorage.getItem(TOKEN_KEY);
		try {
			const root = await api('/');
			$('version').textContent = 'v' + root.version;
		} catch (e) {
			/* shown by the first refresh */
		}
		start();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
