(function(){
  var list=document.getElementById('case-list'); if(!list) return;
  var cases=[].slice.call(list.querySelectorAll('details.case'));
  var boxes=[].slice.call(document.querySelectorAll('.filters input[type=checkbox]'));
  var sel=function(id){return document.getElementById(id)};
  var feature=sel('f-feature'),clause=sel('f-clause'),op=sel('f-op'),target=sel('f-target');
  var text=sel('f-text'),count=sel('f-count');
  // a filter set by a cause row or a field-matrix cell: [data attribute, ' value ']
  var pick=null;
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked});
    var q=(text.value||'').toLowerCase(),shown=0;
    cases.forEach(function(c){
      var ok=on[c.dataset.status];
      var f=feature.value;
      if(ok&&f)ok=c.dataset.feature===f||c.dataset.category===f;
      if(ok&&clause.value)ok=c.dataset.clauses.indexOf(' '+clause.value+' ')>=0;
      if(ok&&op.value)ok=c.dataset.ops.indexOf(' '+op.value+' ')>=0;
      if(ok&&target&&target.value)ok=c.dataset.target===target.value;
      if(ok&&q)ok=c.dataset.text.indexOf(q)>=0;
      if(ok&&pick)ok=(c.dataset[pick[0]]||'').indexOf(pick[1])>=0;
      c.hidden=!ok; if(ok)shown++;
    });
    count.textContent=shown+' of '+cases.length+' case(s) shown'+(pick?' ('+pick[2]+')':'');
  }
  boxes.forEach(function(b){b.addEventListener('change',apply)});
  [feature,clause,op,target].forEach(function(s){if(s)s.addEventListener('change',apply)});
  text.addEventListener('input',apply);
  document.getElementById('f-reset').addEventListener('click',function(){
    boxes.forEach(function(b){b.checked=true});feature.value='';clause.value='';op.value='';
    if(target)target.value='';text.value='';pick=null;apply();
  });
  function only(p,t){
    boxes.forEach(function(b){b.checked=true});clause.value='';text.value='';
    feature.value='';op.value='';if(target)target.value=t||'';pick=p;
    apply();document.getElementById('cases').scrollIntoView();
  }
  [].slice.call(document.querySelectorAll('.matrix td.has')).forEach(function(td){
    td.addEventListener('click',function(){
      if(td.dataset.field){
        var key=td.dataset.op+'|'+td.dataset.field;
        only([td.dataset.bad==='1'?'badfields':'fields',' '+key+' ',key],td.dataset.target);
        return;
      }
      only(null,td.dataset.target);
      feature.value=td.dataset.feature;op.value=td.dataset.op;apply();
    });
  });
  [].slice.call(document.querySelectorAll('tr.cause button.show-cause')).forEach(function(b){
    b.addEventListener('click',function(){
      var row=b.closest('tr'),id=row.dataset.cause;
      only(['causes',' '+id+' ','cause '+id],row.dataset.target);
    });
  });
  var more=sel('more-causes');
  if(more)more.addEventListener('click',function(){
    [].slice.call(document.querySelectorAll('tr.cause[hidden]')).forEach(function(r){
      r.hidden=false});more.hidden=true;
  });
  [].slice.call(document.querySelectorAll('button.copy')).forEach(function(b){
    b.addEventListener('click',function(){
      var pre=b.nextElementSibling,t=pre.textContent;
      var done=function(){
        b.textContent='copied';setTimeout(function(){b.textContent='copy'},1200);
      };
      if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,function(){});return}
      var r=document.createRange();r.selectNodeContents(pre);
      var s=getSelection();s.removeAllRanges();s.addRange(r);
    });
  });
  // Initial filters from the address: report.html#status=fail,error&feature=etag&q=stale
  var h=(location.hash||'').replace(/^#/,'');
  if(h.indexOf('=')>0){
    h.split('&').forEach(function(kv){
      var i=kv.indexOf('='),k=kv.slice(0,i),v=decodeURIComponent(kv.slice(i+1));
      if(k==='status'){var want=v.split(',');boxes.forEach(function(b){
        b.checked=want.indexOf(b.value)>=0})}
      else if(k==='feature')feature.value=v;else if(k==='clause')clause.value=v;
      else if(k==='op')op.value=v;else if(k==='target'&&target)target.value=v;
      else if(k==='q')text.value=v;
      else if(k==='cause')pick=['causes',' '+v+' ','cause '+v];
      else if(k==='field')pick=['badfields',' '+v+' ',v];
    });
  }
  apply();
})();
